package io.tiergate.gateway.tier;

import static io.tiergate.gateway.engine.EngineData.random;
import static io.tiergate.gateway.engine.EngineData.read;
import static io.tiergate.gateway.tier.TierFixture.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.http.HttpMethod;
import com.azure.core.http.policy.HttpPipelinePolicy;
import io.tiergate.gateway.engine.EngineConfig;
import io.tiergate.gateway.engine.Volume;
import io.tiergate.gateway.engine.VolumeSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sequential cold read, as an initiator reading a volume back after eviction issues it (1 MiB
 * commands, one at a time), on the real SDK and Azurite: read-ahead of chunks packed in volume
 * order fetches runs of records with one ranged GET each, so the read costs far fewer requests
 * than one per chunk. Prints the ranged GETs per GiB read.
 */
class ColdSequentialReadIT {
  private static final int MIB = 1 << 20;
  private static final int CHUNK = 64 * 1024;

  @TempDir
  Path dir;

  @RegisterExtension
  final AzuriteCloud cloud = new AzuriteCloud(() -> dir, "sequential");

  @Test
  void aSequentialColdReadTakesFewRangedGetsPerGiB() throws Exception {
    AtomicInteger rangedGets = new AtomicInteger();
    HttpPipelinePolicy counter = (ctx, next) -> {
      if (ctx.getHttpRequest().getHttpMethod() == HttpMethod.GET
          && ctx.getHttpRequest().getHeaders().getValue("x-ms-range") != null) {
        rangedGets.incrementAndGet();
      }
      return next.process();
    };
    try (TierFixture f = new TierFixture(dir.resolve("gw"), cloud.config(), EngineConfig.small())) {
      f.tier.close();
      f.tier = CloudTierService.start(f.engine, f.keys, cloud.config(), f.dir, false,
          List.of(counter));
      Volume v = f.engine.createVolume(VolumeSpec.of("vol", 64L * MIB));
      int size = 32 * MIB;
      byte[] data = random(size, 71);
      write(v, 0, data);
      f.tier.sync();
      f.tier.evictAll();
      assertEquals(0, f.engine.usage().storedBytes());

      int before = rangedGets.get();
      long t0 = System.nanoTime();
      byte[] back = new byte[size];
      for (int off = 0; off < size; off += MIB) {
        System.arraycopy(read(v, off / 512, MIB / 512), 0, back, off, MIB);
      }
      long millis = (System.nanoTime() - t0) / 1_000_000;
      assertArrayEquals(data, back);
      int gets = rangedGets.get() - before;
      int chunks = size / CHUNK;
      System.err.printf("cold sequential read of %d MiB in 1 MiB commands: %d ranged GETs for %d "
          + "chunks, %.0f per GiB (one per chunk: %d per GiB), %d ms%n", size / MIB, gets, chunks,
          gets * (double) (1L << 30) / size, (1 << 30) / CHUNK, millis);
      assertTrue(gets <= chunks / 4, gets + " ranged GETs for " + chunks + " chunks");
      assertEquals(0, f.tier.counters().integrityFailures());
      assertEquals(List.of(), f.problems());
    }
  }
}
