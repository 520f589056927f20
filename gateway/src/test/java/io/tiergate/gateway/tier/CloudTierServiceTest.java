package io.tiergate.gateway.tier;

import static io.tiergate.gateway.engine.EngineData.random;
import static io.tiergate.gateway.engine.EngineData.read;
import static io.tiergate.gateway.tier.TierFixture.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.gateway.engine.EngineConfig;
import io.tiergate.gateway.engine.Volume;
import io.tiergate.gateway.engine.VolumeSpec;
import io.tiergate.iscsi.spi.BlockDeviceException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tiering service against the local-directory object store (the embedded default): sync,
 * eviction, cold reads (also after a restart), a damaged pack, GC. The same paths against
 * Azurite are in {@link CloudTierIT}.
 */
class CloudTierServiceTest {
  private static final int MIB = 1 << 20;

  @TempDir
  Path dir;

  private CloudConfig fileCloud() {
    return CloudConfig.defaults().with("cloud", "file:" + dir.resolve("cloud"))
        .with("gcgrace", "0s");
  }

  private static List<Path> packFiles(Path cloud) throws IOException {
    try (Stream<Path> s = Files.walk(cloud.resolve("packs"))) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  @Test
  void syncEvictAndReadBackColdAlsoAfterRestart() throws Exception {
    try (TierFixture f = new TierFixture(dir, fileCloud(), EngineConfig.small())) {
      Volume v = f.engine.createVolume(VolumeSpec.of("vol", 256L * MIB));
      byte[] data = random(40 * MIB, 7);
      write(v, 0, data);
      long chunks = f.tier.sync();
      assertEquals(40 * 16, chunks);
      assertEquals(0, f.tier.dirtyBytes());
      assertEquals(2, f.tier.counters().packsUploaded(), "40 MiB in packs of at most 32 MiB");
      assertEquals(List.of(), f.problems());

      assertTrue(f.tier.evictAll() >= 40L * MIB);
      assertEquals(0, f.engine.usage().storedBytes());
      assertArrayEquals(data, read(v, 0, data.length / 512));
      assertEquals(40 * 16, f.tier.counters().coldReads());
      assertEquals(List.of(), f.problems());

      f.tier.evictAll();
      f.restart();
      v = f.engine.volume("vol");
      assertArrayEquals(data, read(v, 0, data.length / 512));
      assertEquals(List.of(), f.problems());
    }
  }

  @Test
  void aDamagedPackFailsTheReadAndIsCounted() throws Exception {
    try (TierFixture f = new TierFixture(dir, fileCloud(), EngineConfig.small())) {
      Volume v = f.engine.createVolume(VolumeSpec.of("vol", 64L * MIB));
      byte[] data = random(MIB, 8);
      write(v, 0, data);
      f.tier.sync();
      f.tier.evictAll();
      Path pack = packFiles(dir.resolve("cloud")).get(0);
      byte[] b = Files.readAllBytes(pack);
      b[b.length / 3] ^= 0x40;
      Files.write(pack, b);
      BlockDeviceException e = assertThrows(BlockDeviceException.class,
          () -> read(v, 0, data.length / 512));
      assertEquals(BlockDeviceException.Kind.UNRECOVERED_READ_ERROR, e.kind());
      // Counted per failed fetch: read-ahead may have tried the damaged record first.
      assertTrue(f.tier.counters().integrityFailures() >= 1);
      assertEquals(List.of(), f.problems());
    }
  }

  @Test
  void gcRepacksAndDeletesDeadPacksKeepingLiveChunks() throws Exception {
    try (TierFixture f = new TierFixture(dir, fileCloud(), EngineConfig.small())) {
      Volume v = f.engine.createVolume(VolumeSpec.of("vol", 256L * MIB));
      byte[] data = random(20 * MIB, 9);
      write(v, 0, data);
      f.tier.sync();
      f.tier.evictAll();
      // Overwrite most of it and unmap some: the pack is mostly dead.
      byte[] fresh = random(12 * MIB, 10);
      write(v, 0, fresh);
      v.unmap((12L * MIB) / 512, (4L * MIB) / 512);
      System.arraycopy(fresh, 0, data, 0, fresh.length);
      java.util.Arrays.fill(data, 12 * MIB, 16 * MIB, (byte) 0);
      f.tier.sync();
      assertEquals(2, packFiles(dir.resolve("cloud")).size());
      f.tier.gc(false); // repack the 80%-dead pack; it dies
      f.tier.gc(false); // grace 0: delete it
      assertEquals(1, f.tier.counters().packsRepacked());
      assertEquals(1, f.tier.counters().packsDeleted());
      assertEquals(2, packFiles(dir.resolve("cloud")).size(), "fresh pack + repacked survivors");
      assertEquals(List.of(), f.problems());
      f.tier.evictAll();
      assertArrayEquals(data, read(v, 0, data.length / 512));
      assertEquals(List.of(), f.problems());
    }
  }

  @Test
  void confidentialityNoMarkerChunkIdOrVolumeNameInTheCloud() throws Exception {
    try (TierFixture f = new TierFixture(dir, fileCloud(), EngineConfig.small())) {
      Volume v = f.engine.createVolume(VolumeSpec.of("secret-payroll", 64L * MIB));
      byte[] data = new byte[4 * MIB];
      byte[] marker = "TIERGATE-MARKER-7f3a".getBytes();
      for (int off = 0; off + marker.length <= data.length; off += 4096) {
        System.arraycopy(marker, 0, data, off, marker.length);
        data[off + marker.length] = (byte) (off >> 12);
        data[off + marker.length + 1] = (byte) (off >> 20);
      }
      write(v, 0, data);
      List<byte[]> ids = f.engine.tierStore().dirtyChunks(Long.MAX_VALUE, Long.MAX_VALUE)
          .stream().map(c -> c.id()).toList();
      f.tier.sync();
      f.tier.publishCatalogueIfChanged();
      assertTrue(ids.size() >= 64);
      Scan.assertAbsent(dir.resolve("cloud"), marker, "secret-payroll".getBytes(), ids);
    }
  }

  @Test
  void writesBeyondTheLocalCapacityWaitForUploadsAndLoseNothing() throws Exception {
    EngineConfig small = EngineConfig.small().withCapacity(8L * MIB);
    try (TierFixture f = new TierFixture(dir, fileCloud(), small)) {
      Volume v = f.engine.createVolume(VolumeSpec.of("vol", 256L * MIB));
      byte[] data = random(24 * MIB, 15);
      write(v, 0, data);
      assertTrue(f.engine.usage().storedBytes() <= 8L * MIB);
      assertTrue(f.tier.counters().chunksUploaded() > 0);
      assertEquals(List.of(), f.problems());
      assertArrayEquals(data, read(v, 0, data.length / 512));
      assertEquals(List.of(), f.problems());
    }
  }
}
