package io.tiergate.gateway.tier;

import static io.tiergate.gateway.engine.EngineData.random;
import static io.tiergate.gateway.engine.EngineData.read;
import static io.tiergate.gateway.tier.TierFixture.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tiergate.crypto.KdfParams;
import io.tiergate.crypto.KeyRing;
import io.tiergate.gateway.engine.BlockEngine;
import io.tiergate.gateway.engine.ChunkHasher;
import io.tiergate.gateway.engine.EngineConfig;
import io.tiergate.gateway.engine.Volume;
import io.tiergate.gateway.engine.VolumeSpec;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A chunk read back from the cloud is checked against its chunk ID once, where it enters the
 * engine ({@code ChunkTierStore.admit}), not again by the tier and again by the engine: a
 * counting hasher given to the engine sees exactly one hash for a cold read of one chunk.
 */
class ColdReadHashesOnceTest {
  private static final int CHUNK = 64 << 10;

  @TempDir
  Path dir;

  @Test
  void aColdReadOfOneChunkHashesItOnce() throws Exception {
    CloudConfig config = CloudConfig.defaults().with("cloud", "file:" + dir.resolve("cloud"));
    AtomicInteger hashes = new AtomicInteger();
    try (KeyRing keys = KeyRing.create(TierFixture.PASSPHRASE, KdfParams.insecureForTests(1000))) {
      ChunkHasher ids = ChunkHasher.of(keys.chunkIdHasher());
      ChunkHasher counting = (data, off, len) -> {
        hashes.incrementAndGet();
        return ids.hash(data, off, len);
      };
      try (BlockEngine engine = BlockEngine.open(dir.resolve("db"), EngineConfig.small(),
          counting);
          CloudTierService tier = CloudTierService.start(engine, keys, config, dir, false)) {
        Volume v = engine.createVolume(VolumeSpec.of("vol", 16L * CHUNK));
        byte[] data = random(CHUNK, 51);
        write(v, 0, data);
        tier.sync();
        tier.evictAll();
        assertEquals(0, engine.usage().storedBytes(), "evicted");
        hashes.set(0);
        assertArrayEquals(data, read(v, 0, CHUNK / 512));
        assertEquals(1, tier.counters().coldReads());
        assertEquals(1, hashes.get(), "one chunk read back from the cloud, hashed once");
        hashes.set(0);
        assertArrayEquals(data, read(v, 0, CHUNK / 512));
        assertEquals(0, hashes.get(), "local again: nothing to check");
      }
    }
  }
}
