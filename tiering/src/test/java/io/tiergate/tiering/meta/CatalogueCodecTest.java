package io.tiergate.tiering.meta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tiergate.tiering.pack.PackFormatException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The volume catalogue's plaintext, version 1, pinned by a golden file. */
class CatalogueCodecTest {
  // Regenerate only on a deliberate version bump, with -Dtiergate.regenerateGolden=true, and
  // say why in the commit.
  private static final Path GOLDEN = Paths.get("src/test/resources/meta/catalogue-v1.bin");

  private static final List<CatalogueCodec.Entry> ENTRIES = List.of(
      new CatalogueCodec.Entry(1, "demo", 10L << 30, 64 << 10, false,
          new UUID(0x0011223344556677L, 0x8899aabbccddeeffL), 1_764_000_000_000L),
      new CatalogueCodec.Entry(42, "sql-logs.2", 64L << 40, 16 << 10, true,
          new UUID(-1L, 1L), 1_764_000_123_456L));

  @Test
  void goldenCatalogueV1StillReadsAndIsStillWrittenByteForByte() throws Exception {
    if (Boolean.getBoolean("tiergate.regenerateGolden")) {
      Files.write(GOLDEN, CatalogueCodec.encode(ENTRIES));
    }
    byte[] golden = Files.readAllBytes(GOLDEN);
    assertEquals(ENTRIES, CatalogueCodec.decode(golden));
    assertArrayEquals(golden, CatalogueCodec.encode(ENTRIES));
  }

  /** What the gateway wrote before the codec had a reader: catalogues in clouds today. */
  @Test
  void readsWhatTheGatewayAlwaysWrote() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(1);
      out.writeInt(ENTRIES.size());
      for (CatalogueCodec.Entry v : ENTRIES) {
        out.writeLong(v.id());
        out.writeUTF(v.name());
        out.writeLong(v.sizeBytes());
        out.writeInt(v.chunkSize());
        out.writeBoolean(v.pinned());
        out.writeLong(v.uuid().getMostSignificantBits());
        out.writeLong(v.uuid().getLeastSignificantBits());
        out.writeLong(v.createdMillis());
      }
    }
    assertArrayEquals(bytes.toByteArray(), CatalogueCodec.encode(ENTRIES));
    assertEquals(ENTRIES, CatalogueCodec.decode(bytes.toByteArray()));
    assertEquals(List.of(), CatalogueCodec.decode(CatalogueCodec.encode(List.of())));
  }

  @Test
  void damagedCataloguesAreRefusedWithoutAllocatingWhatTheyClaim() {
    byte[] good = CatalogueCodec.encode(ENTRIES);
    byte[] version = good.clone();
    version[0] = 2;
    assertThrows(PackFormatException.class, () -> CatalogueCodec.decode(version));
    byte[] count = good.clone();
    count[1] = 0x7f;
    assertThrows(PackFormatException.class, () -> CatalogueCodec.decode(count));
    byte[] nameLength = good.clone();
    nameLength[13] = (byte) 0xff;
    assertThrows(PackFormatException.class, () -> CatalogueCodec.decode(nameLength));
    byte[] pinned = good.clone();
    pinned[1 + 4 + 8 + 2 + 4 + 8 + 4] = 7;
    assertThrows(PackFormatException.class, () -> CatalogueCodec.decode(pinned));
    for (int cut = 0; cut < good.length; cut++) {
      byte[] truncated = Arrays.copyOf(good, cut);
      assertThrows(PackFormatException.class, () -> CatalogueCodec.decode(truncated),
          "cut at " + cut);
    }
    byte[] trailing = Arrays.copyOf(good, good.length + 1);
    assertThrows(PackFormatException.class, () -> CatalogueCodec.decode(trailing));
    assertThrows(IllegalArgumentException.class, () -> new CatalogueCodec.Entry(1,
        "x".repeat(64), 1, 1, false, new UUID(0, 0), 0));
  }
}
