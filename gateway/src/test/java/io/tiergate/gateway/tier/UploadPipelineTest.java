package io.tiergate.gateway.tier;

import static io.tiergate.gateway.engine.EngineData.random;
import static io.tiergate.gateway.engine.EngineData.read;
import static io.tiergate.gateway.tier.TierFixture.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.gateway.engine.ChunkTierStore;
import io.tiergate.gateway.engine.EngineConfig;
import io.tiergate.gateway.engine.Volume;
import io.tiergate.gateway.engine.VolumeSpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upload pass selects the next pack while earlier ones are still uploading: each chunk
 * must still go up exactly once (a chunk selected again while in flight would land in two
 * packs, one copy dead at once), in full packs, under the bandwidth limit.
 */
class UploadPipelineTest {
  private static final int MIB = 1 << 20;

  @TempDir
  Path dir;

  @Test
  void chunksInFlightAreNotSelectedAgainAndEveryChunkGoesUpOnce() throws Exception {
    // 40 MiB/s makes each 32 MiB pack wait in the limiter, so selections overlap uploads.
    CloudConfig config = CloudConfig.defaults().with("cloud", "file:" + dir.resolve("cloud"))
        .with("uploadparallelism", "2").with("bandwidthlimit", "40MiB/s");
    try (TierFixture f = new TierFixture(dir, config, EngineConfig.small())) {
      Volume v = f.engine.createVolume(VolumeSpec.of("vol", 256L * MIB));
      byte[] data = random(100 * MIB, 81);
      write(v, 0, data);
      long t0 = System.nanoTime();
      assertEquals(100 * 16, f.tier.sync());
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertEquals(0, f.tier.dirtyBytes());
      List<ChunkTierStore.PackInfo> packs = f.engine.tierStore().packs();
      assertEquals(4, packs.size(), "100 MiB in packs of at most 32 MiB");
      assertEquals(4, f.tier.counters().packsUploaded());
      for (ChunkTierStore.PackInfo p : packs) {
        assertEquals(0, p.deadBytes(), "no chunk was uploaded twice");
      }
      long packBytes = packs.stream().mapToLong(p -> p.record().objectSize()).sum();
      // The limiter's bucket holds one second: the rest must wait for the rate.
      assertTrue(seconds >= (packBytes - 40.0 * MIB) / (40.0 * MIB) * 0.95,
          "bandwidth limit held: " + seconds + " s for " + packBytes + " bytes");
      assertEquals(List.of(), f.problems());
      f.tier.evictAll();
      assertArrayEquals(data, read(v, 0, data.length / 512));
      assertEquals(List.of(), f.problems());
    }
  }
}
