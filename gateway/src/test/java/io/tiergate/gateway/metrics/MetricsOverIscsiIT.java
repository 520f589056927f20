package io.tiergate.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tiergate.gateway.admin.TestGateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * I/O over iSCSI moves the meters: a volume created through the admin API (and so exported
 * without a restart) is written and read with qemu-img, queried with iscsi-inq, and {@code
 * /metrics} shows its read and write counters, bytes and latency grow, and the appliance
 * gauges follow (dedup ratio after writing the same data twice). Needs qemu-img with its iSCSI
 * module and libiscsi-bin (./test installs them).
 */
class MetricsOverIscsiIT {
  @TempDir
  Path tmp;

  @Test
  void countersMoveWithIscsiIo() throws Exception {
    try (TestGateway gw = TestGateway.start(tmp)) {
      assertEquals(201, gw.admin("POST", "/api/v1/volumes",
          "{\"name\":\"metered\",\"size\":\"64MiB\"}").status());
      String before = gw.admin("GET", "/metrics", null).body();
      assertEquals(0.0, value(before, "tiergate_volume_write_bytes_total{volume=\"metered\"}"));
      assertTrue(before.contains("# HELP tiergate_volume_write_seconds "), before);

      String lun = "iscsi://" + gw.portal() + "/iqn.2026-11.io.tiergate:metered/0";
      run("iscsi-inq", lun);
      byte[] data = new byte[8 << 20];
      new Random(6).nextBytes(data);
      byte[] twice = new byte[16 << 20];
      System.arraycopy(data, 0, twice, 0, data.length);
      System.arraycopy(data, 0, twice, data.length, data.length);
      Path image = tmp.resolve("twice.img");
      Files.write(image, twice);
      run("qemu-img", "convert", "-n", "-O", "raw", image.toString(), lun);
      Path back = tmp.resolve("back.img");
      run("qemu-img", "convert", "-O", "raw", lun, back.toString());
      byte[] first = new byte[twice.length];
      System.arraycopy(Files.readAllBytes(back), 0, first, 0, first.length);
      Files.write(tmp.resolve("twice-back.img"), first);

      String after = gw.admin("GET", "/metrics", null).body();
      assertEquals(16 << 20, value(after, "tiergate_volume_write_bytes_total{volume=\"metered\"}"),
          1);
      assertTrue(value(after, "tiergate_volume_write_seconds_count{volume=\"metered\"}") >= 8);
      assertTrue(value(after, "tiergate_volume_write_seconds_sum{volume=\"metered\"}") > 0);
      // qemu-img skips what GET LBA STATUS reports unmapped: it reads at least the data.
      assertTrue(value(after, "tiergate_volume_read_bytes_total{volume=\"metered\"}")
          >= 16 << 20);
      assertEquals(-1, Files.mismatch(image, tmp.resolve("twice-back.img")));
      assertTrue(value(after, "tiergate_volume_read_seconds_count{volume=\"metered\"}") > 0);
      assertEquals(100.0, value(after, "tiergate_cache_hit_percent"));
      assertTrue(value(after, "tiergate_dedup_ratio") > 1.9, "the same 8 MiB twice");
      assertTrue(value(after, "tiergate_stored_bytes") > 0);
      // The default cloud tier (a folder in the data directory) tiers after an hour.
      double dirty = value(after, "tiergate_cache_dirty_percent");
      assertTrue(dirty >= 0 && dirty <= 100, "dirty percent " + dirty);
      assertEquals(0.0, value(after, "tiergate_iscsi_sessions"), "qemu-img logged out");
      assertEquals(0.0, value(after, "tiergate_cloud_upload_bytes_total"));
      assertEquals(0.0, value(before, "tiergate_volume_errors_total{volume=\"metered\"}"));

      // The status and history the dashboard draws from see the same totals.
      String status = gw.admin("GET", "/api/v1/status", null).body();
      assertTrue(status.contains("\"writeBytes\":" + (16 << 20)), status);
    }
  }

  static double value(String scrape, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
    if (!m.find()) {
      fail("no series " + series + " in\n" + scrape);
    }
    return Double.parseDouble(m.group(1));
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(String.join(" ", cmd) + " timed out");
    }
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
  }
}
