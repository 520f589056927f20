package io.tiergate.gateway.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tiergate.gateway.engine.EngineConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CloudProbe} on its own, on a local-directory store: with no other traffic, a probe
 * tick finds a vanished store away, and a later one (once the away interval has passed) finds
 * it back.
 */
class CloudProbeTest {
  @TempDir
  Path dir;

  private static <T> T waitFor(Supplier<T> value, T wanted) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!wanted.equals(value.get()) && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    return value.get();
  }

  @Test
  void aTickFindsAVanishedStoreAwayAndALaterOneFindsItBack() throws Exception {
    Path cloud = dir.resolve("cloud");
    CloudConfig config = CloudConfig.defaults().with("cloud", "file:" + cloud);
    try (TierFixture f = new TierFixture(dir, config, EngineConfig.small())) {
      TierContext ctx = f.context();
      ColdReads cold = new ColdReads(ctx);
      CloudProbe probe = new CloudProbe(ctx, cold);
      try {
        Path aside = dir.resolve("aside");
        Files.move(cloud, aside);
        probe.tick();
        assertEquals(CloudHealth.State.DISCONNECTED,
            waitFor(ctx.health::state, CloudHealth.State.DISCONNECTED));
        Files.move(aside, cloud);
        probe.tick(); // too soon after the last probe: nothing is asked
        Thread.sleep(200);
        assertEquals(CloudHealth.State.DISCONNECTED, ctx.health.state());
        Thread.sleep(CloudProbe.PROBE_AWAY_MILLIS);
        probe.tick();
        assertEquals(CloudHealth.State.CONNECTED,
            waitFor(ctx.health::state, CloudHealth.State.CONNECTED));
      } finally {
        probe.close();
        cold.close();
        ctx.objects.close();
      }
    }
  }
}
