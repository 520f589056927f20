package io.tiergate.gateway.tier;

import static io.tiergate.gateway.engine.EngineData.random;
import static io.tiergate.gateway.engine.EngineData.read;
import static io.tiergate.gateway.tier.TierFixture.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.gateway.engine.EngineConfig;
import io.tiergate.gateway.engine.Volume;
import io.tiergate.gateway.engine.VolumeSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pending-GC gauge ({@code tiergate_gc_pending_packs}) follows overwrites: it counts a pack
 * made mostly dead before any GC runs, keeps counting it as a dead pack in its grace period,
 * and drops it once it is deleted.
 */
class GcPendingTest {
  private static final int MIB = 1 << 20;

  @TempDir
  Path dir;

  private CloudConfig fileCloud() {
    return CloudConfig.defaults().with("cloud", "file:" + dir.resolve("cloud"))
        .with("gcgrace", "1h");
  }

  /** Writes 20 MiB, tiers it in one pack, then overwrites 16 MiB of it: 80% of it is dead. */
  private static byte[] oneMostlyDeadPack(TierFixture f, Volume v) throws Exception {
    byte[] data = random(20 * MIB, 41);
    write(v, 0, data);
    f.tier.sync();
    assertEquals(1, f.tier.counters().packsUploaded());
    assertEquals(0, f.tier.refreshGcPending(), "a fully live pack is no GC work");
    byte[] fresh = random(16 * MIB, 42);
    write(v, 0, fresh);
    System.arraycopy(fresh, 0, data, 0, fresh.length);
    return data;
  }

  @Test
  void aMostlyDeadPackIsCountedBeforeAnyGcAndUntilItIsDeleted() throws Exception {
    try (TierFixture f = new TierFixture(dir, fileCloud(), EngineConfig.small())) {
      Volume v = f.engine.createVolume(VolumeSpec.of("vol", 64L * MIB));
      byte[] data = oneMostlyDeadPack(f, v);

      // What the periodic pass does first: recount from the pack records, no GC involved.
      assertEquals(1, f.tier.refreshGcPending());
      assertEquals(1, f.tier.gcPendingPacks());
      assertEquals(0, f.tier.counters().packsRepacked(), "no GC has run");

      f.tier.gc(false); // repacks it; it is dead now, and waits out the 1 h grace
      assertEquals(1, f.tier.counters().packsRepacked());
      assertEquals(0, f.tier.counters().packsDeleted());
      assertEquals(1, f.tier.gcPendingPacks(), "a dead pack in its grace period is pending");
      assertEquals(1, f.tier.refreshGcPending(), "the recount agrees with the GC's own count");

      assertEquals(1, f.tier.gc(true));
      assertEquals(0, f.tier.gcPendingPacks());
      assertEquals(0, f.tier.refreshGcPending());
      assertEquals(List.of(), f.problems());
      f.tier.evictAll();
      assertArrayEquals(data, read(v, 0, data.length / 512));
    }
  }

  @Test
  void thePeriodicPassReportsItToTheMetersWithoutAnyGcCall() throws Exception {
    try (TierFixture f = new TierFixture(dir, fileCloud().with("tierafter", "4s"),
        EngineConfig.small())) {
      Volume v = f.engine.createVolume(VolumeSpec.of("vol", 64L * MIB));
      byte[] data = oneMostlyDeadPack(f, v);
      AtomicLong reported = new AtomicLong(-1);
      f.tier.close();
      f.tier = CloudTierService.start(f.engine, f.keys, f.config, f.dir, true);
      f.tier.setMeters(new RecordingMeters(reported));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (reported.get() < 1 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(1, reported.get(), "the periodic pass reported the mostly dead pack");
      assertTrue(f.tier.gcPendingPacks() >= 1);
      assertEquals(0, f.tier.counters().packsDeleted(), "the grace period is 1 h");
      f.tier.close();
      f.tier = CloudTierService.start(f.engine, f.keys, f.config, f.dir, false);
      assertEquals(List.of(), f.problems());
      f.tier.evictAll();
      assertArrayEquals(data, read(v, 0, data.length / 512));
    }
  }

  /** Keeps the last pending-GC value reported. */
  private static final class RecordingMeters extends TierMeters.Silent {
    private final AtomicLong pending;

    RecordingMeters(AtomicLong pending) {
      this.pending = pending;
    }

    @Override
    public void gc(long pendingPacks, long reclaimedBytes) {
      pending.set(pendingPacks);
    }
  }
}
