package io.tiergate.gateway.tier;

import static io.tiergate.gateway.engine.EngineData.random;
import static io.tiergate.gateway.engine.EngineData.read;
import static io.tiergate.gateway.tier.TierFixture.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tiergate.gateway.engine.EngineConfig;
import io.tiergate.gateway.engine.Volume;
import io.tiergate.gateway.engine.VolumeSpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PackGc} on its own, on a local-directory store: nothing before the tier attached, a
 * mostly dead pack repacked, its old pack kept through the grace period and deleted after, the
 * pending count following each step, and every chunk readable from the cloud afterwards.
 */
class PackGcTest {
  private static final int MIB = 1 << 20;

  @TempDir
  Path dir;

  @Test
  void aMostlyDeadPackIsRepackedAndDeletedOnlyAfterItsGrace() throws Exception {
    CloudConfig config = CloudConfig.defaults().with("cloud", "file:" + dir.resolve("cloud"))
        .with("gcgrace", "1h");
    try (TierFixture f = new TierFixture(dir, config, EngineConfig.small())) {
      Volume v = f.engine.createVolume(VolumeSpec.of("vol", 64L * MIB));
      byte[] data = random(4 * MIB, 31);
      write(v, 0, data);
      f.tier.sync();
      byte[] fresh = random(3 * MIB, 32);
      write(v, 0, fresh); // three quarters of the pack are dead now
      System.arraycopy(fresh, 0, data, 0, fresh.length);
      f.tier.sync();
      f.tier.evictAll(); // the survivors must be fetched to be repacked
      TierContext ctx = f.context();
      ColdReads cold = new ColdReads(ctx);
      PackGc gc = new PackGc(ctx, cold);
      try {
        assertEquals(0, gc.gc(true), "not attached: nothing is touched");
        assertEquals(0, ctx.counters.packsRepacked());
        assertEquals(1, gc.refreshGcPending(), "one pack past the threshold");
        ctx.cloudReady = true;
        assertEquals(0, gc.gc(false), "repacked; the old pack waits out its grace");
        assertEquals(1, ctx.counters.packsRepacked());
        assertEquals(3, f.engine.tierStore().packs().size(), "fresh, repacked, old (dead)");
        assertEquals(1, ctx.counters.gcPendingPacks());
        assertEquals(1, gc.gc(true), "grace ignored: the dead pack goes");
        assertEquals(0, gc.refreshGcPending());
        assertEquals(2, f.engine.tierStore().packs().size());
      } finally {
        cold.close();
        ctx.objects.close();
      }
      f.tier.evictAll();
      assertArrayEquals(data, read(v, 0, data.length / 512));
      assertEquals(List.of(), f.problems());
    }
  }
}
