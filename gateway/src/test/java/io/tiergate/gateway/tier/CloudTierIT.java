package io.tiergate.gateway.tier;

import static io.tiergate.gateway.engine.EngineData.random;
import static io.tiergate.gateway.engine.EngineData.read;
import static io.tiergate.gateway.tier.TierFixture.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.crypto.CryptoException;
import io.tiergate.crypto.KeyRing;
import io.tiergate.gateway.engine.ChunkTierStore;
import io.tiergate.gateway.engine.EngineConfig;
import io.tiergate.gateway.engine.Volume;
import io.tiergate.gateway.engine.VolumeSpec;
import io.tiergate.iscsi.spi.BlockDeviceException;
import io.tiergate.tiering.store.ObjectStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's cloud tier against Azurite (the real emulator, real SDK, RocksDB on disk):
 * round trip through cold reads and a restart, confidentiality of everything stored, an
 * outage in the middle of a sync, a damaged pack, and the key ring in the cloud.
 */
class CloudTierIT {
  private static final int MIB = 1 << 20;

  @TempDir
  Path dir;

  @RegisterExtension
  final AzuriteCloud cloud = new AzuriteCloud(() -> dir, "tier-it");

  @Test
  void roundTripThroughColdReadsAndARestartRevealingNothing() throws Exception {
    try (TierFixture f = new TierFixture(dir.resolve("gw"), cloud.config(), EngineConfig.small())) {
      Volume v = f.engine.createVolume(VolumeSpec.of("finance-ledger", 256L * MIB));
      byte[] marker = "TIERGATE-MARKER-c0ffee".getBytes();
      byte[] data = random(24 * MIB, 11);
      for (int off = 0; off + 64 <= data.length; off += 8192) {
        System.arraycopy(marker, 0, data, off, marker.length);
      }
      write(v, 0, data);
      List<byte[]> ids = f.engine.tierStore().dirtyChunks(Long.MAX_VALUE, Long.MAX_VALUE)
          .stream().map(ChunkTierStore.DirtyChunk::id).toList();
      long t0 = System.nanoTime();
      assertEquals(24 * 16, f.tier.sync());
      long syncMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      f.tier.publishCatalogueIfChanged();
      assertEquals(List.of(), f.problems());

      f.tier.evictAll();
      long req0 = f.tier.counters().requests();
      long nanos0 = f.tier.counters().requestNanos();
      t0 = System.nanoTime();
      assertArrayEquals(data, read(v, 0, data.length / 512));
      long readMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      long gets = f.tier.counters().requests() - req0;
      System.err.printf("tier IT: 24 MiB synced in %d ms (%d packs), read back cold in %d ms "
          + "(%d ranged GETs, mean %.1f ms each)%n", syncMillis,
          f.tier.counters().packsUploaded(), readMillis, gets,
          (f.tier.counters().requestNanos() - nanos0) / 1e6 / Math.max(1, gets));

      f.tier.evictAll();
      f.restart();
      assertArrayEquals(data, read(f.engine.volume("finance-ledger"), 0, data.length / 512));
      assertEquals(List.of(), f.problems());

      Scan.assertAbsent(cloud.azurite().location(), marker, "finance-ledger".getBytes(), ids);
    }
  }

  @Test
  void anOutageMidSyncLosesNothingAndMarksNothingCleanEarly() throws Exception {
    try (TierFixture f = new TierFixture(dir.resolve("gw"), cloud.config().with("uploadparallelism",
        "1").with("bandwidthlimit", "40MiB/s"), EngineConfig.small())) {
      Volume v = f.engine.createVolume(VolumeSpec.of("vol", 256L * MIB));
      byte[] data = random(96 * MIB, 12);
      write(v, 0, data);
      CompletableFuture<Long> sync = CompletableFuture.supplyAsync(() -> {
        try {
          return f.tier.sync();
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      Thread.sleep(700);
      cloud.azurite().stop();
      // While the cloud is away, every chunk marked clean has its pack in the cloud's list
      // as of its restart, which is checked below; local reads keep working meanwhile.
      assertArrayEquals(java.util.Arrays.copyOf(data, MIB), read(v, 0, MIB / 512));
      Thread.sleep(2000);
      cloud.azurite().start();
      assertEquals(96 * 16, sync.get(120, TimeUnit.SECONDS));
      assertEquals(0, f.tier.dirtyBytes());
      Set<String> inCloud = cloud.rawStore().list("packs/").stream()
          .map(ObjectStore.ObjectInfo::name).collect(Collectors.toSet());
      for (ChunkTierStore.PackInfo p : f.engine.tierStore().packs()) {
        String name = CloudTierService.ref(p.record()).objectName();
        assertTrue(inCloud.contains(name), "a committed pack is missing from the cloud");
      }
      assertEquals(List.of(), f.problems());
      f.tier.evictAll();
      assertArrayEquals(data, read(v, 0, data.length / 512));
    }
  }

  @Test
  void aFlippedByteInAStoredPackFailsTheReadAndIsCounted() throws Exception {
    try (TierFixture f = new TierFixture(dir.resolve("gw"), cloud.config(), EngineConfig.small())) {
      Volume v = f.engine.createVolume(VolumeSpec.of("vol", 64L * MIB));
      byte[] data = random(2 * MIB, 13);
      write(v, 0, data);
      f.tier.sync();
      f.tier.evictAll();
      ObjectStore raw = cloud.rawStore();
      String name = raw.list("packs/").get(0).name();
      byte[] pack = raw.get(name);
      pack[pack.length / 4] ^= 0x01;
      raw.delete(List.of(name));
      raw.putIfAbsent(name, pack);
      long before = f.tier.counters().integrityFailures();
      BlockDeviceException e = assertThrows(BlockDeviceException.class,
          () -> read(v, 0, data.length / 512));
      assertEquals(BlockDeviceException.Kind.UNRECOVERED_READ_ERROR, e.kind());
      assertTrue(f.tier.counters().integrityFailures() > before);
      assertEquals(List.of(), f.problems());
    }
  }

  @Test
  void passphraseChangeRewrapsOnlyAndTheOldOneStopsWorkingInTheCloud() throws Exception {
    try (TierFixture f = new TierFixture(dir.resolve("gw"), cloud.config(), EngineConfig.small())) {
      Volume v = f.engine.createVolume(VolumeSpec.of("vol", 64L * MIB));
      write(v, 0, random(4 * MIB, 14));
      f.tier.sync();
      ObjectStore raw = cloud.rawStore();
      List<ObjectStore.ObjectInfo> packsBefore = raw.list("packs/");
      byte[] packBytes = raw.get(packsBefore.get(0).name());
      byte[] cloudRing = f.tier.tier().metadata().latestKeyRing().orElseThrow();
      assertThrows(CryptoException.class,
          () -> KeyRing.unlock(cloudRing, "a wrong passphrase entirely".toCharArray()));

      char[] fresh = "a brand new passphrase 2026".toCharArray();
      f.keys.changePassphrase(TierFixture.PASSPHRASE, fresh);
      f.tier.republishKeyRing();
      byte[] ring = f.tier.tier().metadata().latestKeyRing().orElseThrow();
      assertThrows(CryptoException.class, () -> KeyRing.unlock(ring, TierFixture.PASSPHRASE));
      try (KeyRing k = KeyRing.unlock(ring, fresh)) {
        assertFalse(k.isClosed());
      }
      assertEquals(packsBefore.stream().map(ObjectStore.ObjectInfo::name).toList(),
          raw.list("packs/").stream().map(ObjectStore.ObjectInfo::name).toList());
      assertArrayEquals(packBytes, raw.get(packsBefore.get(0).name()), "no pack rewritten");
      f.tier.evictAll();
      assertEquals(List.of(), f.problems());
    }
  }

  @Test
  void aDiskFullOfDirtyChunksWithTheCloudAwayFailsWritesClearlyAndLosesNothing()
      throws Exception {
    EngineConfig small = EngineConfig.small().withCapacity(8L * MIB);
    try (TierFixture f = new TierFixture(dir.resolve("gw"), cloud.config(), small)) {
      Volume v = f.engine.createVolume(VolumeSpec.of("vol", 256L * MIB));
      cloud.azurite().stop();
      byte[] data = random(6 * MIB, 16);
      write(v, 0, data);
      long t0 = System.nanoTime();
      BlockDeviceException e = assertThrows(BlockDeviceException.class,
          () -> write(v, (16L * MIB) / 512, random(6 * MIB, 17)));
      assertEquals(BlockDeviceException.Kind.SPACE_ALLOCATION_FAILED, e.kind());
      long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(waited >= CloudTierService.BACK_PRESSURE_MILLIS - 100, "back-pressure first");
      assertArrayEquals(data, read(v, 0, data.length / 512));
      assertEquals(List.of(), f.problems());
      // The cloud returns: the same write now succeeds once uploads make room.
      cloud.azurite().start();
      write(v, (16L * MIB) / 512, random(6 * MIB, 17));
      assertArrayEquals(data, read(v, 0, data.length / 512));
      assertEquals(List.of(), f.problems());
    }
  }

  @Test
  void gcDeletesMostlyDeadPacksAfterTheGraceAndKeepsEveryLiveChunk() throws Exception {
    try (TierFixture f = new TierFixture(dir.resolve("gw"), cloud.config().with("gcgrace", "1s"),
        EngineConfig.small())) {
      Volume v = f.engine.createVolume(VolumeSpec.of("vol", 256L * MIB));
      byte[] data = random(20 * MIB, 18);
      write(v, 0, data);
      f.tier.sync();
      f.tier.evictAll();
      byte[] fresh = random(14 * MIB, 19);
      write(v, 0, fresh);
      v.unmap((14L * MIB) / 512, (2L * MIB) / 512);
      System.arraycopy(fresh, 0, data, 0, fresh.length);
      java.util.Arrays.fill(data, 14 * MIB, 16 * MIB, (byte) 0);
      f.tier.sync();
      ObjectStore raw = cloud.rawStore();
      List<String> before = raw.list("packs/").stream().map(ObjectStore.ObjectInfo::name)
          .toList();
      assertEquals(2, before.size());
      f.tier.gc(false);
      assertEquals(0, f.tier.gc(false), "a dead pack stays for the grace period");
      assertEquals(3, raw.list("packs/").size());
      Thread.sleep(1100);
      assertEquals(1, f.tier.gc(false));
      List<String> after = raw.list("packs/").stream().map(ObjectStore.ObjectInfo::name)
          .toList();
      assertEquals(2, after.size());
      assertEquals(1, before.stream().filter(after::contains).count(), "the old pack is gone");
      assertEquals(List.of(), f.problems());
      f.tier.evictAll();
      assertArrayEquals(data, read(v, 0, data.length / 512));
      f.restart();
      f.tier.evictAll();
      assertArrayEquals(data, read(f.engine.volume("vol"), 0, data.length / 512));
      assertEquals(List.of(), f.problems());
    }
  }

  @Test
  void aGatewayStartsWhileTheCloudIsAwayAndTiersOnceItReturns() throws Exception {
    try (TierFixture f = new TierFixture(dir.resolve("gw"), cloud.config(), EngineConfig.small())) {
      f.tier.close();
      cloud.azurite().stop();
      long t0 = System.nanoTime();
      f.tier = CloudTierService.start(f.engine, f.keys, cloud.config(), f.dir, true);
      assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0) < 30, "start waits not");
      Volume v = f.engine.createVolume(VolumeSpec.of("vol", 64L * MIB));
      byte[] data = random(2 * MIB, 20);
      write(v, 0, data);
      assertThrows(IllegalStateException.class, f.tier::sync);
      assertArrayEquals(data, read(v, 0, data.length / 512), "served from local meanwhile");
      cloud.azurite().start();
      assertEquals(32, f.tier.sync());
      f.tier.evictAll();
      assertArrayEquals(data, read(v, 0, data.length / 512));
      assertEquals(List.of(), f.problems());
    }
  }
}
