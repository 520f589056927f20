package io.tiergate.gateway.tier;

import static io.tiergate.gateway.engine.EngineData.random;
import static io.tiergate.gateway.engine.EngineData.read;
import static io.tiergate.gateway.tier.TierFixture.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import io.tiergate.gateway.admin.TestGateway;
import io.tiergate.gateway.engine.EngineConfig;
import io.tiergate.gateway.engine.Volume;
import io.tiergate.gateway.engine.VolumeSpec;
import io.tiergate.iscsi.spi.BlockDeviceException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The cloud away during reads (part of the hostile-client suite): Azurite stopped under a
 * whole gateway, and a store that hangs without answering under a tier service.
 *
 * <ul>
 *   <li>An idle gateway notices the outage within seconds (its probe): {@code GET /cloud} and
 *       the status say {@code disconnected}, {@code reachable: false}, the last error and the
 *       last success; the alert (event, gauge) fires after {@code cloud-alert-after}.
 *   <li>A read that needs the cloud then fails at once with NOT READY, and qemu-img over iSCSI
 *       reports an error within seconds instead of hanging for the retry budget.
 *   <li>A store that takes no answer: the first cold read fails within {@code
 *       cold-read-timeout}, later ones at once.
 *   <li>When the store returns, the state says {@code connected} again, the alert clears, and
 *       every chunk reads back byte-identical.
 * </ul>
 */
class CloudOutageIT {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(
      CloudOutageIT.class);
  private static final int MIB = 1 << 20;

  @TempDir
  Path dir;

  @RegisterExtension
  final AzuriteCloud cloud = new AzuriteCloud(() -> dir, "outage-it");

  private static Map<String, Object> awaitCloud(TestGateway gw, String state, long millis)
      throws Exception {
    long deadline = System.currentTimeMillis() + millis;
    Map<String, Object> c;
    do {
      c = gw.admin("GET", "/api/v1/cloud", null).json();
      if (state.equals(c.get("state"))) {
        return c;
      }
      Thread.sleep(100);
    } while (System.currentTimeMillis() < deadline);
    throw new AssertionError("cloud state not " + state + " after " + millis + " ms: " + c);
  }

  private static String lun(TestGateway gw) {
    return "iscsi://" + gw.portal() + "/iqn.2026-11.io.tiergate:outage/0";
  }

  private record Run(int exit, String out, long millis) {}

  private static Run run(String... cmd) throws Exception {
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " hung");
    }
    return new Run(p.exitValue(), out, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
  }

  @Test
  void anOutageShowsWithinSecondsColdReadsFailFastAndAllReadsBackAfterIt() throws Exception {
    byte[] data = random(8 * MIB, 31);
    Path image = dir.resolve("image.raw");
    Files.write(image, data);
    CloudConfig config = cloud.config().with("coldreadtimeout", "4s")
        .with("cloudalertafter", "3s");
    try (TestGateway gw = TestGateway.start(dir.resolve("gw"), config)) {
      assertEquals(201, gw.admin("POST", "/api/v1/volumes",
          "{\"name\":\"outage\",\"size\":\"8MiB\"}").status());
      Run w = run("qemu-img", "convert", "-n", "-O", "raw", image.toString(), lun(gw));
      assertEquals(0, w.exit(), w.out());
      assertEquals(200, gw.admin("POST", "/api/v1/cloud/sync", "{\"wait\":true}").status());
      assertEquals(200, gw.admin("POST", "/api/v1/cloud/evict", "{}").status());
      Map<String, Object> up = awaitCloud(gw, "connected", 5000);
      assertEquals(true, up.get("reachable"));
      assertNull(up.get("lastError"));
      assertNotNull(up.get("lastSuccessAt"));
      assertEquals(false, up.get("alert"));

      // Killed while idle: the probe notices within seconds.
      cloud.azurite().stop();
      long t0 = System.nanoTime();
      Map<String, Object> down = awaitCloud(gw, "disconnected", 20_000);
      long noticed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(noticed < 15_000, "noticed after " + noticed + " ms");
      assertEquals(false, down.get("reachable"));
      assertNotNull(down.get("lastError"));
      assertNotNull(down.get("disconnectedSince"));
      assertEquals(up.get("lastSuccessAt") != null, down.get("lastSuccessAt") != null);
      @SuppressWarnings("unchecked")
      Map<String, Object> status = (Map<String, Object>) gw.admin("GET", "/api/v1/status", null)
          .json().get("cloud");
      assertEquals("disconnected", status.get("state"));

      // Marked away: a cold read fails at once with NOT READY.
      Volume v = gw.gateway.engine().volume("outage");
      long r0 = System.nanoTime();
      BlockDeviceException e = assertThrows(BlockDeviceException.class, () -> read(v, 0, 128));
      assertEquals(BlockDeviceException.Kind.NOT_READY, e.kind());
      assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - r0) < 1000);
      // qemu-img over iSCSI gets an error within seconds, not after the 60 s retry budget.
      Run cold = run("qemu-img", "convert", "-O", "raw", lun(gw),
          dir.resolve("during.raw").toString());
      assertNotEquals(0, cold.exit(), cold.out());
      assertTrue(cold.millis() < 15_000, "qemu-img took " + cold.millis() + " ms: " + cold.out());
      log.info("outage noticed idle after {} ms; qemu-img failed after {} ms: {}", noticed,
          cold.millis(), cold.out().trim());

      // Away for longer than cloud-alert-after: the alert, as an event and a gauge.
      Map<String, Object> alerted = null;
      for (long end = System.currentTimeMillis() + 10_000; System.currentTimeMillis() < end; ) {
        alerted = gw.admin("GET", "/api/v1/cloud", null).json();
        if (Boolean.TRUE.equals(alerted.get("alert"))) {
          break;
        }
        Thread.sleep(200);
      }
      assertEquals(true, alerted.get("alert"), alerted.toString());
      assertTrue(gw.admin("GET", "/metrics", null).body().contains("tiergate_cloud_alert 1.0"));
      assertTrue(gw.admin("GET", "/metrics", null).body()
          .contains("tiergate_cloud_state{state=\"disconnected\"} 1.0"));
      String events = gw.admin("GET", "/api/v1/events?category=cloud", null).body();
      assertTrue(events.contains("ALERT"), events);
      assertTrue(events.contains("disconnected"), events);

      // Back: connected within seconds, alert cleared, every byte as written.
      cloud.azurite().start();
      Map<String, Object> again = awaitCloud(gw, "connected", 10_000);
      assertEquals(true, again.get("reachable"));
      assertNull(again.get("lastError"));
      assertEquals(false, again.get("alert"));
      assertTrue(gw.admin("GET", "/metrics", null).body().contains("tiergate_cloud_alert 0.0"));
      Path back = dir.resolve("back.raw");
      Run r = run("qemu-img", "convert", "-O", "raw", lun(gw), back.toString());
      assertEquals(0, r.exit(), r.out());
      assertEquals(-1, Files.mismatch(image, back), "the LUN reads back byte-identical");
    }
  }

  /** Holds every request (unanswered, as a dead link would) while {@link #hang} is set. */
  static final class Hang implements HttpPipelinePolicy {
    final AtomicBoolean hang = new AtomicBoolean();

    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext ctx, HttpPipelineNextPolicy next) {
      if (!hang.get()) {
        return next.process();
      }
      return Mono.fromCallable(() -> {
        while (hang.get()) {
          Thread.sleep(20);
        }
        return 0;
      }).subscribeOn(Schedulers.boundedElastic()).then(Mono.defer(next::process));
    }
  }

  @Test
  void aStoreThatNeverAnswersFailsTheFirstColdReadWithinTheBoundAndTheNextAtOnce()
      throws Exception {
    CloudConfig config = cloud.config().with("coldreadtimeout", "2s");
    Hang hang = new Hang();
    try (TierFixture f = new TierFixture(dir.resolve("gw"), config, EngineConfig.small())) {
      f.tier.close();
      f.tier = CloudTierService.start(f.engine, f.keys, config, f.dir, false, List.of(hang));
      Volume v = f.engine.createVolume(VolumeSpec.of("vol", 64L * MIB));
      byte[] data = random(4 * MIB, 32);
      write(v, 0, data);
      f.tier.sync();
      f.tier.evictAll();

      hang.hang.set(true);
      long t0 = System.nanoTime();
      BlockDeviceException first = assertThrows(BlockDeviceException.class,
          () -> read(v, 0, 128));
      long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertEquals(BlockDeviceException.Kind.NOT_READY, first.kind());
      assertTrue(took >= 1900 && took < 3500, "the first cold read took " + took + " ms");
      log.info("the first cold read on a store that does not answer failed after {} ms", took);
      assertEquals(CloudHealth.State.DISCONNECTED, f.tier.health().state());
      assertTrue(f.tier.health().lastError().contains("2000 ms"), f.tier.health().lastError());

      long t1 = System.nanoTime();
      BlockDeviceException next = assertThrows(BlockDeviceException.class,
          () -> read(v, (2L * MIB) / 512, 128));
      assertEquals(BlockDeviceException.Kind.NOT_READY, next.kind());
      assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t1) < 200, "fails fast");

      hang.hang.set(false);
      long deadline = System.currentTimeMillis() + 10_000;
      while (f.tier.health().state() != CloudHealth.State.CONNECTED
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(CloudHealth.State.CONNECTED, f.tier.health().state());
      assertArrayEquals(data, read(v, 0, data.length / 512));
      assertEquals(List.of(), f.problems());
    }
  }
}
