package io.tiergate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.tiergate.gateway.Main;
import io.tiergate.gateway.admin.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cloud sync that lasts several times the admin server's request timeout (2 s here, 30 s by
 * default; the bandwidth limit makes a few MiB take seconds): {@code Start-CloudSync -Wait}
 * follows it to the end with progress instead of failing as "cannot reach the gateway", and
 * a waited {@code POST /cloud/sync} is answered rather than cut off.
 */
class CloudSyncWaitIT {
  static final int TIMEOUT = 2;

  @TempDir
  static Path tmp;
  static TestGateway gw;

  @BeforeAll
  static void start() throws Exception {
    System.setProperty("tiergate.admin.request-timeout-seconds", String.valueOf(TIMEOUT));
    gw = TestGateway.start(tmp.resolve("gw"));
  }

  @AfterAll
  static void stop() {
    System.clearProperty("tiergate.admin.request-timeout-seconds");
    if (gw != null) {
      gw.close();
    }
  }

  /** Writes {@code mib} MiB of random data to the demo volume at {@code offsetMib}. */
  static void dirty(int offsetMib, int mib) {
    byte[] data = new byte[mib << 20];
    new Random(offsetMib).nextBytes(data);
    gw.gateway.engine().volume("demo").write((long) offsetMib << 11, Unpooled.wrappedBuffer(data),
        true);
  }

  static void limit(String rate) {
    assertEquals(200, gw.admin("PUT", "/api/v1/cloud/bandwidth", "{\"limit\":\"" + rate
        + "\"}").status());
  }

  @Test
  void startCloudSyncWaitFollowsASyncLongerThanTheRequestTimeout() throws Exception {
    dirty(0, 2);
    limit("300KB/s"); // about 7 s for 2 MiB
    long t0 = System.nanoTime();
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "Start-CloudSync", "-Wait", "--data-dir=" + gw.dataDir));
    Path out = tmp.resolve("out.txt");
    Path err = tmp.resolve("err.txt");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
        .start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "Start-CloudSync -Wait did not end");
    double seconds = (System.nanoTime() - t0) / 1e9;
    String o = Files.readString(out);
    assertEquals(0, p.exitValue(), o + Files.readString(err));
    assertTrue(seconds > 2 * TIMEOUT, "the sync was too short to prove anything: " + seconds);
    assertTrue(o.contains("Syncing: "), "no progress shown: " + o);
    assertTrue(o.matches("(?s).*Cloud sync \\d+ finished: \\d+ chunk\\(s\\) uploaded.*"), o);
    assertFalse(o.contains("cannot reach"), o);
    assertTrue(o.contains("; 0 B dirty now."), o);
    Map<?, ?> sync = (Map<?, ?>) gw.admin("GET", "/api/v1/cloud", null).json().get("sync");
    assertEquals("finished", sync.get("state"), sync.toString());
    assertEquals(0L, ((Number) sync.get("dirtyBytesAfter")).longValue(), sync.toString());
    assertTrue(((Number) sync.get("uploadedChunks")).longValue() >= 32, sync.toString());
  }

  @Test
  void aWaitedSyncIsAnsweredAndAsecondRequestJoinsTheRunningOne() throws Exception {
    dirty(8, 2);
    limit("300KB/s");
    long t0 = System.nanoTime();
    TestGateway.Reply first = gw.admin("POST", "/api/v1/cloud/sync", "{\"wait\":false}");
    assertEquals(202, first.status(), first.body());
    assertEquals(true, first.json().get("started"));
    Object id = ((Map<?, ?>) first.json().get("sync")).get("id");
    // A second request while it runs joins it, and its waited answer outlasts the timeout.
    TestGateway.Reply waited = gw.admin("POST", "/api/v1/cloud/sync", "{\"wait\":true}");
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertEquals(200, waited.status(), waited.body());
    assertEquals(id, ((Map<?, ?>) waited.json().get("sync")).get("id"));
    assertTrue(seconds > 2 * TIMEOUT, "too short to prove anything: " + seconds);
    limit("0");
  }
}
