package io.tiergate.tiering.pack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.crypto.ChunkId;
import io.tiergate.crypto.CryptoException;
import io.tiergate.crypto.KdfParams;
import io.tiergate.crypto.KeyRing;
import io.tiergate.crypto.PackCipher;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PackFormatTest {

  private static final char[] PASSPHRASE = "correct horse battery staple".toCharArray();
  private static KeyRing ring;

  @BeforeAll
  static void ring() {
    ring = KeyRing.create(PASSPHRASE.clone(), KdfParams.insecureForTests(1000));
  }

  @AfterAll
  static void close() {
    ring.close();
  }

  private static List<byte[]> records(long seed, int n) {
    Random r = new Random(seed);
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] b = new byte[1 + r.nextInt(70_000)];
      r.nextBytes(b);
      out.add(b);
    }
    return out;
  }

  private static byte[] write(PackCipher cipher, List<byte[]> records) {
    PackWriter w = new PackWriter(cipher, 1 << 20);
    for (byte[] rec : records) {
      w.add(ring.chunkIdHasher().hash(rec, 0, rec.length), rec, 0, rec.length);
    }
    return w.finish();
  }

  private static PackCipher cipherFor(PackHeader h) {
    return ring.packCipher(h.keyId(), h.packId(), h.salt());
  }

  @Test
  void indexAndRecordsRoundTripFromTheWholePackAndFromRanges() {
    List<byte[]> records = records(1, 40);
    byte[] pack = write(ring.newPackCipher(PackFormat.newPackId()), records);
    assertEquals(PackWriter.packSize(records.stream().mapToInt(r -> r.length).toArray()), pack.length);
    List<PackEntry> index = PackReader.index(pack, PackFormatTest::cipherFor);
    assertEquals(records.size(), index.size());
    PackCipher reader = cipherFor(PackHeader.parse(pack, 0, PackFormat.HEADER_LENGTH));
    for (PackEntry e : index) {
      byte[] expected = records.get(e.recordIndex());
      assertEquals(ring.chunkIdHasher().hash(expected, 0, expected.length), e.chunkId());
      assertArrayEquals(expected, PackReader.recordInPack(reader, e, pack));
      byte[] ranged = Arrays.copyOfRange(pack, (int) e.offset(), (int) e.offset() + e.length());
      assertArrayEquals(expected, PackReader.record(reader, e, ranged));
    }
  }

  @Test
  void emptyPackIsValid() {
    byte[] pack = write(ring.newPackCipher(PackFormat.newPackId()), List.of());
    assertEquals(0, PackReader.index(pack, PackFormatTest::cipherFor).size());
  }

  @Test
  void everyFlippedBitOfTheHeaderOrTrailerIsDetected() {
    byte[] pack = write(ring.newPackCipher(PackFormat.newPackId()), records(2, 3));
    int trailerStart = pack.length - PackFormat.FOOTER_LENGTH
        - PackReader.footer(pack, pack.length - PackFormat.FOOTER_LENGTH, PackFormat.FOOTER_LENGTH).trailerLength();
    List<Integer> positions = new ArrayList<>();
    for (int i = 0; i < PackFormat.HEADER_LENGTH; i++) {
      positions.add(i);
    }
    for (int i = trailerStart; i < pack.length; i++) {
      positions.add(i);
    }
    for (int pos : positions) {
      byte[] bad = pack.clone();
      bad[pos] ^= 0x10;
      RuntimeException e =
          assertThrows(RuntimeException.class, () -> PackReader.index(bad, PackFormatTest::cipherFor), "byte " + pos);
      assertTrue(e instanceof PackFormatException || e instanceof CryptoException, e.toString());
    }
  }

  @Test
  void aFlippedRecordByteFailsAuthentication() {
    List<byte[]> records = records(3, 5);
    byte[] pack = write(ring.newPackCipher(PackFormat.newPackId()), records);
    List<PackEntry> index = PackReader.index(pack, PackFormatTest::cipherFor);
    PackCipher reader = cipherFor(PackHeader.parse(pack, 0, PackFormat.HEADER_LENGTH));
    PackEntry e = index.get(2);
    byte[] bad = pack.clone();
    bad[(int) e.offset() + e.length() / 2] ^= 1;
    CryptoException ex =
        assertThrows(CryptoException.class, () -> PackReader.recordInPack(reader, e, bad));
    assertEquals(CryptoException.Code.AUTHENTICATION_FAILED, ex.code());
  }

  @Test
  void recordsCannotBeSwappedBetweenIndicesOrPacks() {
    List<byte[]> records = records(4, 4);
    byte[] a = write(ring.newPackCipher(PackFormat.newPackId()), records);
    byte[] b = write(ring.newPackCipher(PackFormat.newPackId()), records);
    List<PackEntry> ia = PackReader.index(a, PackFormatTest::cipherFor);
    List<PackEntry> ib = PackReader.index(b, PackFormatTest::cipherFor);
    PackCipher ca = cipherFor(PackHeader.parse(a, 0, PackFormat.HEADER_LENGTH));
    byte[] recordOneOfB = Arrays.copyOfRange(b, (int) ib.get(1).offset(), (int) (ib.get(1).offset() + ib.get(1).length()));
    assertThrows(CryptoException.class, () -> PackReader.record(ca, ia.get(1), recordOneOfB));
    PackEntry e0 = ia.get(0);
    PackEntry e1 = ia.get(1);
    byte[] recordOneOfA = Arrays.copyOfRange(a, (int) e1.offset(), (int) (e1.offset() + e1.length()));
    PackEntry relabelled = new PackEntry(e0.chunkId(), 0, e1.offset(), e1.length());
    assertThrows(CryptoException.class, () -> PackReader.record(ca, relabelled, recordOneOfA));
  }

  @Test
  void truncatedPacksAreRefused() {
    byte[] pack = write(ring.newPackCipher(PackFormat.newPackId()), records(5, 2));
    for (int len : new int[] {0, 10, PackFormat.HEADER_LENGTH, pack.length - 1, pack.length - PackFormat.FOOTER_LENGTH}) {
      byte[] cut = Arrays.copyOf(pack, len);
      assertThrows(RuntimeException.class, () -> PackReader.index(cut, PackFormatTest::cipherFor), "length " + len);
    }
  }

  @Test
  void objectNamesCarryOnlyTheRandomId() {
    byte[] id = PackFormat.newPackId();
    String hex = HexFormat.of().formatHex(id);
    assertEquals("packs/" + hex.substring(0, 2) + "/" + hex, PackFormat.objectName(id));
  }

  @Test
  void theClearBytesOfAPackRevealNoChunkId() {
    List<byte[]> records = records(6, 8);
    byte[] pack = write(ring.newPackCipher(PackFormat.newPackId()), records);
    String packHex = HexFormat.of().formatHex(pack);
    for (byte[] rec : records) {
      String idHex = ring.chunkIdHasher().hash(rec, 0, rec.length).toHex();
      assertFalse(packHex.contains(idHex.substring(0, 16)));
    }
  }

  // --- golden files: pin format version 1. Regenerate only on a deliberate version bump, with
  // -Dtiergate.regenerateGolden=true, and say why in the commit.

  private static final Path GOLDEN = Paths.get("src/test/resources/pack");
  private static final byte[] GOLDEN_PACK_ID = HexFormat.of().parseHex("00112233445566778899aabbccddeeff");

  private static List<byte[]> goldenRecords() {
    List<byte[]> out = new ArrayList<>();
    for (String s : List.of("first record", "", "a third, somewhat longer record of plain text")) {
      out.add(s.getBytes(StandardCharsets.US_ASCII));
    }
    out.add(new byte[300]);
    return out;
  }

  @Test
  void goldenPackV1StillReadsAndIsStillWrittenByteForByte() throws Exception {
    if (Boolean.getBoolean("tiergate.regenerateGolden")) {
      try (KeyRing g = KeyRing.create(PASSPHRASE.clone(), KdfParams.insecureForTests(1000))) {
        Files.write(GOLDEN.resolve("keyring-v1.bin"), g.serialize());
        PackCipher c = g.packCipher(g.currentDataKeyId(), GOLDEN_PACK_ID, g.newPackSalt());
        PackWriter w = new PackWriter(c, 0);
        for (byte[] rec : goldenRecords()) {
          w.add(g.chunkIdHasher().hash(rec, 0, rec.length), rec, 0, rec.length);
        }
        Files.write(GOLDEN.resolve("pack-v1.bin"), w.finish());
      }
    }
    byte[] golden = Files.readAllBytes(GOLDEN.resolve("pack-v1.bin"));
    try (KeyRing g = KeyRing.unlock(Files.readAllBytes(GOLDEN.resolve("keyring-v1.bin")), PASSPHRASE.clone())) {
      PackHeader h = PackHeader.parse(golden, 0, PackFormat.HEADER_LENGTH);
      assertEquals(1, h.version());
      assertArrayEquals(GOLDEN_PACK_ID, h.packId());
      PackCipher reader = g.packCipher(h.keyId(), h.packId(), h.salt());
      List<PackEntry> index = PackReader.index(golden, x -> g.packCipher(x.keyId(), x.packId(), x.salt()));
      List<byte[]> expected = goldenRecords();
      assertEquals(expected.size(), index.size());
      for (PackEntry e : index) {
        byte[] rec = expected.get(e.recordIndex());
        assertArrayEquals(rec, PackReader.recordInPack(reader, e, golden));
        assertEquals(g.chunkIdHasher().hash(rec, 0, rec.length), e.chunkId());
      }
      PackWriter w = new PackWriter(g.packCipher(h.keyId(), h.packId(), h.salt()), 0);
      for (byte[] rec : expected) {
        w.add(g.chunkIdHasher().hash(rec, 0, rec.length), rec, 0, rec.length);
      }
      assertArrayEquals(golden, w.finish(), "pack format v1 changed: bump the version deliberately");
    }
  }

  @Test
  void theTransportDigestSeesExactlyTheFinishedPack() throws Exception {
    List<byte[]> recs = records(31, 40);
    java.security.MessageDigest md5 = java.security.MessageDigest.getInstance("MD5");
    byte[] pack;
    try (PackCipher cipher = ring.newPackCipher(PackFormat.newPackId())) {
      // A small capacity hint, so the buffer grows while the digest is being fed.
      PackWriter w = new PackWriter(cipher, 1024, md5);
      for (byte[] rec : recs) {
        w.add(ring.chunkIdHasher().hash(rec, 0, rec.length), rec, 0, rec.length);
      }
      pack = w.finish();
    }
    assertArrayEquals(java.security.MessageDigest.getInstance("MD5").digest(pack), md5.digest());
  }
}
