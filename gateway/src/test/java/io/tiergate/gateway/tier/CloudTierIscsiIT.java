package io.tiergate.gateway.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.gateway.admin.TestGateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Round trip through iSCSI and the cloud tier of a running gateway (its default store, a folder
 * in the data directory): qemu-img writes a LUN, {@code POST /cloud/sync} pushes every chunk,
 * {@code POST /cloud/evict} empties the cache, and qemu-img reads the LUN back through cold
 * reads, byte-identical; again after a restart of the gateway. Needs qemu-img with its iSCSI
 * module (./test installs it).
 */
class CloudTierIscsiIT {
  @TempDir
  Path tmp;

  @Test
  void aLunReadsBackThroughColdReadsAcrossARestart() throws Exception {
    byte[] data = new byte[32 << 20];
    new Random(21).nextBytes(data);
    Path image = tmp.resolve("image.raw");
    Files.write(image, data);
    Path gwDir = tmp.resolve("gw");
    try (TestGateway gw = TestGateway.start(gwDir)) {
      assertEquals(201, gw.admin("POST", "/api/v1/volumes",
          "{\"name\":\"cold\",\"size\":\"32MiB\"}").status());
      run("qemu-img", "convert", "-n", "-O", "raw", image.toString(), lun(gw));
      TestGateway.Reply sync = gw.admin("POST", "/api/v1/cloud/sync", "{\"wait\":true}");
      assertEquals(200, sync.status(), sync.body());
      assertEquals(512L, ((Number) sync.json().get("uploadedChunks")).longValue());
      evictAndReadBack(gw, image);
    }
    try (TestGateway gw = TestGateway.start(gwDir)) {
      evictAndReadBack(gw, image);
    }
  }

  private void evictAndReadBack(TestGateway gw, Path image) throws Exception {
    TestGateway.Reply evict = gw.admin("POST", "/api/v1/cloud/evict", "{}");
    assertEquals(200, evict.status(), evict.body());
    Map<String, Object> status = gw.admin("GET", "/api/v1/status", null).json();
    assertEquals(0L, ((Number) ((Map<?, ?>) status.get("capacity")).get("storedBytes"))
        .longValue(), "everything evicted");
    Path back = tmp.resolve("back.raw");
    Files.deleteIfExists(back);
    run("qemu-img", "convert", "-O", "raw", lun(gw), back.toString());
    assertEquals(-1, Files.mismatch(image, back), "LUN differs after cold reads");
    Map<?, ?> cloud = gw.admin("GET", "/api/v1/cloud", null).json();
    assertTrue(((Number) cloud.get("coldReads")).longValue() >= 512, cloud.toString());
  }

  private static String lun(TestGateway gw) {
    return "iscsi://" + gw.portal() + "/iqn.2026-11.io.tiergate:cold/0";
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " timed out");
    }
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
  }
}
