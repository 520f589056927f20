package io.tiergate.gateway.tier;

import static io.tiergate.gateway.engine.EngineData.random;
import static io.tiergate.gateway.tier.TierFixture.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import io.tiergate.gateway.engine.ChunkTierStore;
import io.tiergate.gateway.engine.EngineConfig;
import io.tiergate.gateway.engine.Volume;
import io.tiergate.gateway.engine.VolumeSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * Concurrent misses on one evicted chunk share one fetch: many readers at once cause exactly
 * one ranged GET of its record on the real SDK and Azurite (counted in the HTTP pipeline), and
 * all of them get the same verified bytes.
 */
class SharedColdFetchIT {
  private static final int MIB = 1 << 20;
  private static final int READERS = 8;

  @TempDir
  Path dir;

  @RegisterExtension
  final AzuriteCloud cloud = new AzuriteCloud(() -> dir, "shared-fetch");

  /**
   * Counts ranged GETs per range header, and holds each one back a little so that concurrent
   * readers pile up behind the first fetch instead of arriving after it finished.
   */
  static final class RangedGets implements HttpPipelinePolicy {
    final ConcurrentHashMap<String, AtomicInteger> byRange = new ConcurrentHashMap<>();
    final AtomicInteger all = new AtomicInteger();

    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext ctx, HttpPipelineNextPolicy next) {
      HttpRequest r = ctx.getHttpRequest();
      String range = r.getHeaders().getValue("x-ms-range");
      if (r.getHttpMethod() != HttpMethod.GET || range == null) {
        return next.process();
      }
      all.incrementAndGet();
      byRange.computeIfAbsent(range, k -> new AtomicInteger()).incrementAndGet();
      return Mono.delay(Duration.ofMillis(300)).then(next.process());
    }
  }

  @Test
  void readersOfOneEvictedChunkAtOnceCauseOneRangedGetAndGetTheSameBytes() throws Exception {
    try (TierFixture f = new TierFixture(dir.resolve("gw"), cloud.config(), EngineConfig.small())) {
      RangedGets gets = new RangedGets();
      f.tier.close();
      f.tier = CloudTierService.start(f.engine, f.keys, cloud.config(), f.dir, false,
          List.of(gets));
      Volume v = f.engine.createVolume(VolumeSpec.of("vol", 64L * MIB));
      write(v, 0, random(2 * MIB, 61));
      f.tier.sync();

      ChunkTierStore store = f.engine.tierStore();
      ChunkTierStore.PackInfo pack = store.packs().get(0);
      ChunkTierStore.PackedChunk chunk = store.chunksIn(pack.number()).get(5);
      byte[] stored = store.localBytes(chunk.id());
      assertNotNull(stored);
      f.tier.evictAll();
      assertNull(store.localBytes(chunk.id()), "evicted");
      String range = "bytes=" + chunk.offset() + "-" + (chunk.offset() + chunk.sealedLength() - 1);

      CyclicBarrier together = new CyclicBarrier(READERS);
      ExecutorService readers = Executors.newFixedThreadPool(READERS);
      try {
        List<Future<byte[]>> results = new ArrayList<>();
        for (int i = 0; i < READERS; i++) {
          results.add(readers.submit(() -> {
            together.await(10, TimeUnit.SECONDS);
            return f.tier.read(chunk.id(), pack.number(), chunk.recordIndex(), chunk.offset(),
                chunk.sealedLength()).stored();
          }));
        }
        for (Future<byte[]> r : results) {
          assertArrayEquals(stored, r.get(60, TimeUnit.SECONDS), "the chunk's own bytes");
        }
      } finally {
        readers.shutdownNow();
      }
      AtomicInteger forRecord = gets.byRange.get(range);
      assertNotNull(forRecord, "the record was fetched with its own range " + range);
      assertEquals(1, forRecord.get(), READERS + " readers, one ranged GET of the record");
      assertEquals(1, gets.all.get(), "no other ranged GET either");
      assertEquals(1, f.tier.counters().coldReads());
      assertArrayEquals(stored, store.localBytes(chunk.id()), "back in the local cache");
      assertEquals(List.of(), f.problems());
    }
  }
}
