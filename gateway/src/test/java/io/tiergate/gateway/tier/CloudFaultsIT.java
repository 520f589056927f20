package io.tiergate.gateway.tier;

import static io.tiergate.gateway.engine.EngineData.random;
import static io.tiergate.gateway.engine.EngineData.read;
import static io.tiergate.gateway.tier.TierFixture.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelinePosition;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import io.tiergate.gateway.engine.ChunkTierStore;
import io.tiergate.gateway.engine.EngineConfig;
import io.tiergate.gateway.engine.PackRecord;
import io.tiergate.gateway.engine.Volume;
import io.tiergate.gateway.engine.VolumeSpec;
import io.tiergate.tiering.CloudTier;
import io.tiergate.tiering.PackRef;
import io.tiergate.tiering.store.BandwidthLimiter;
import io.tiergate.tiering.store.ObjectStore;
import io.tiergate.tiering.testing.StatusResponse;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

/**
 * A whole gateway (engine, RocksDB, tier service, real SDK) against Azurite with faults
 * injected into its Azure client through HTTP pipeline policies: 503 Server Busy, requests
 * that time out before reaching the service, requests served whose answer times out, and pack
 * uploads whose body is cut to half in transit. Every fault is retried and nothing is lost:
 * every chunk ends clean, every clean chunk's pack is in the container whole and
 * authentic (and no other pack is), and everything reads back byte for byte through the same
 * faults. The faults are counted, so a run in which they did not happen fails.
 */
class CloudFaultsIT {
  private static final int MIB = 1 << 20;

  @TempDir
  Path dir;

  @RegisterExtension
  final AzuriteCloud cloud = new AzuriteCloud(() -> dir, "faults-it");

  private static boolean isPackPut(HttpRequest r) {
    String path = r.getUrl().getPath();
    return r.getHttpMethod() == HttpMethod.PUT && r.getHeaders().getValue("x-ms-blob-type") != null
        && (path.contains("/packs/") || path.contains("/packs%2F"));
  }

  /**
   * Below the SDK's retry policy (it sees these as real failures and retries them): one request
   * in {@code every} (cold reads included) fails, in rotation, with 503, a timeout before it is sent, or a timeout
   * after the service answered (the answer is lost, whatever the service did). The first pack
   * upload the service stores always loses its answer, so a put that succeeded unseen (and
   * meets its own object when the SDK tries again) is always exercised.
   */
  static final class Faults implements HttpPipelinePolicy {
    final AtomicInteger seen = new AtomicInteger();
    final AtomicInteger busy = new AtomicInteger();
    final AtomicInteger lostRequests = new AtomicInteger();
    final AtomicInteger lostAnswers = new AtomicInteger();
    final AtomicInteger lostPackPutAnswers = new AtomicInteger();
    final AtomicInteger lostStoredPackPuts = new AtomicInteger();
    final AtomicInteger onRangedGets = new AtomicInteger();
    private final int every;

    Faults(int every) {
      this.every = every;
    }

    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext ctx, HttpPipelineNextPolicy next) {
      HttpRequest req = ctx.getHttpRequest();
      if (isPackPut(req) && lostStoredPackPuts.get() == 0) {
        return next.process().flatMap(r -> {
          if (r.getStatusCode() != 201 || !lostStoredPackPuts.compareAndSet(0, 1)) {
            return Mono.just(r);
          }
          lostAnswers.incrementAndGet();
          lostPackPutAnswers.incrementAndGet();
          r.close();
          return Mono.error(new TimeoutException("injected: the answer came too late"));
        });
      }
      int n = seen.incrementAndGet();
      if (n % every != 0) {
        return next.process();
      }
      if (req.getHttpMethod() == HttpMethod.GET && req.getHeaders().getValue("x-ms-range") != null) {
        onRangedGets.incrementAndGet(); // cold reads, one record or a read-ahead run
      }
      switch ((n / every) % 3) {
        case 0:
          busy.incrementAndGet();
          return Mono.just(new StatusResponse(req, 503));
        case 1:
          lostRequests.incrementAndGet();
          return Mono.error(new TimeoutException("injected: no answer in time"));
        default:
          lostAnswers.incrementAndGet();
          if (isPackPut(req)) {
            lostPackPutAnswers.incrementAndGet();
          }
          return loseAnswer(next);
      }
    }

    private static Mono<HttpResponse> loseAnswer(HttpPipelineNextPolicy next) {
      return next.process().flatMap(r -> {
        r.close();
        return Mono.error(new TimeoutException("injected: the answer came too late"));
      });
    }
  }

  /**
   * Above the SDK's retry policy and before signing, as a connection cut behind a proxy that
   * still completes the request would look to the service: every other pack upload's body is
   * cut to half its length. Content-MD5 must make the service refuse it.
   */
  static final class HalfWrittenPackPuts implements HttpPipelinePolicy {
    final AtomicInteger packPuts = new AtomicInteger();
    final AtomicInteger truncated = new AtomicInteger();

    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext ctx, HttpPipelineNextPolicy next) {
      HttpRequest req = ctx.getHttpRequest();
      if (isPackPut(req) && packPuts.incrementAndGet() % 2 == 1) {
        byte[] whole = req.getBodyAsBinaryData().toBytes();
        req.setBody(Arrays.copyOf(whole, whole.length / 2));
        truncated.incrementAndGet();
      }
      return next.process();
    }

    @Override
    public HttpPipelinePosition getPipelinePosition() {
      return HttpPipelinePosition.PER_CALL;
    }
  }

  @Test
  void faultsOnEveryKindOfRequestAreRetriedAndNothingIsLostOrCleanTooEarly() throws Exception {
    try (TierFixture f = new TierFixture(dir.resolve("gw"), cloud.config(), EngineConfig.small())) {
      Volume v = f.engine.createVolume(VolumeSpec.of("vol", 256L * MIB));
      byte[] data = random(72 * MIB, 51);
      write(v, 0, data);
      Faults faults = new Faults(4);
      HalfWrittenPackPuts halves = new HalfWrittenPackPuts();
      f.tier.close();
      f.tier = CloudTierService.start(f.engine, f.keys, cloud.config(), f.dir, false,
          List.of(halves, faults));

      // Sync until done: a sync that gives up leaves its chunks dirty for the next one.
      int failedSyncs = 0;
      while (f.tier.dirtyBytes() > 0) {
        try {
          f.tier.sync();
        } catch (IllegalStateException e) {
          assertTrue(++failedSyncs < 5, "sync keeps failing: " + e.getMessage());
        }
      }
      assertEquals(List.of(), f.engine.tierStore().dirtyChunks(Long.MAX_VALUE, Long.MAX_VALUE),
          "every chunk is clean");
      assertEquals(0, f.tier.counters().integrityFailures());

      // Every pack a clean chunk may point at is in the container, whole (its size) and
      // authentic (its sealed trailer opens and indexes it); and nothing else is there.
      try (ObjectStore raw = cloud.rawStore()) {
        Map<String, Long> inCloud = new HashMap<>();
        for (ObjectStore.ObjectInfo o : raw.list("packs/")) {
          inCloud.put(o.name(), o.size());
        }
        CloudTier clean = new CloudTier(raw, f.keys, new BandwidthLimiter(0), 8);
        List<ChunkTierStore.PackInfo> packs = f.engine.tierStore().packs();
        assertTrue(packs.size() >= 3, "72 MiB makes at least three packs");
        for (ChunkTierStore.PackInfo p : packs) {
          PackRecord r = p.record();
          PackRef ref = CloudTierService.ref(r);
          assertEquals(Long.valueOf(r.objectSize()), inCloud.remove(ref.objectName()),
              "a committed pack is missing or not whole in the container");
          assertTrue(!clean.readPackIndex(ref).isEmpty());
        }
        assertEquals(Map.of(), inCloud, "no pack in the cloud that no chunk knows of");
      }
      assertEquals(List.of(), f.problems());

      // Cold reads of everything, through the same faults.
      f.tier.evictAll();
      assertEquals(0, f.engine.usage().storedBytes());
      assertArrayEquals(data, read(v, 0, data.length / 512));
      assertEquals(0, f.tier.counters().integrityFailures());
      assertEquals(List.of(), f.problems());

      System.err.printf("faults injected over %d requests: %d x 503, %d requests lost, %d "
          + "answers lost (%d of pack uploads), %d on cold reads, %d of %d pack uploads cut to "
          + "half; %d failed sync(s) retried%n", faults.seen.get(), faults.busy.get(),
          faults.lostRequests.get(), faults.lostAnswers.get(), faults.lostPackPutAnswers.get(),
          faults.onRangedGets.get(), halves.truncated.get(), halves.packPuts.get(), failedSyncs);
      assertTrue(faults.busy.get() > 0, "503s injected");
      assertTrue(faults.lostRequests.get() > 0, "timed-out requests injected");
      assertTrue(faults.lostAnswers.get() > 0, "timed-out answers injected");
      assertEquals(1, faults.lostStoredPackPuts.get(), "a stored pack upload's answer was lost");
      assertTrue(faults.onRangedGets.get() > 0, "cold reads met faults");
      assertTrue(halves.truncated.get() >= 2, "half-written pack uploads injected");
      assertTrue(halves.packPuts.get() >= halves.truncated.get() + 3,
          "each half-written upload was sent again whole");
    }
  }
}
