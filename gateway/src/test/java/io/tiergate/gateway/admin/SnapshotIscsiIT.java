package io.tiergate.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tiergate.gateway.admin.TestGateway.Reply;
import io.tiergate.gateway.admin.VolumeExportIT.Session;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local snapshots, clones and restores seen by iSCSI initiators, end to end through the
 * admin API of a real gateway: qemu-img writes pattern A to a volume, a snapshot is taken,
 * pattern B overwrites it; a clone of the snapshot reads back A through iSCSI; a restore is
 * refused while a session is logged in to the volume and, forced, closes only that session
 * (one on the clone goes on); the volume then reads A, and restoring the undo snapshot the
 * restore took brings B back. Needs qemu-img with its iSCSI module (./test installs it).
 */
class SnapshotIscsiIT {
  static final String PREFIX = "iqn.2026-11.io.tiergate:";
  static final int SIZE = 16 << 20;

  @TempDir
  Path tmp;

  private static Path pattern(Path dir, String name, long seed) throws Exception {
    byte[] b = new byte[SIZE];
    Random r = new Random(seed);
    // Chunks of random data with holes between, so zero chunks take part too.
    for (int off = 0; off < SIZE; off += 64 << 10) {
      if (r.nextInt(4) != 0) {
        byte[] chunk = new byte[64 << 10];
        r.nextBytes(chunk);
        System.arraycopy(chunk, 0, b, off, chunk.length);
      }
    }
    Path f = dir.resolve(name);
    Files.write(f, b);
    return f;
  }

  private static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(String.join(" ", cmd) + " timed out");
    }
    if (p.exitValue() != 0) {
      fail(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + out);
    }
    return out;
  }

  /** Whether the LUN holds exactly the file's bytes, by qemu-img compare (0: identical). */
  private static int compare(Path file, String lun) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("qemu-img", "compare", "-f", "raw", "-F", "raw",
        file.toString(), lun));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(cmd + " timed out");
    }
    return p.exitValue();
  }

  @Test
  @SuppressWarnings("unchecked")
  void cloneReadsTheSnapshotAndRestoreIsRefusedForcedAndUndone() throws Exception {
    Path a = pattern(tmp, "a.img", 1);
    Path b = pattern(tmp, "b.img", 2);
    try (TestGateway gw = TestGateway.start(tmp.resolve("gw"))) {
      assertEquals(201, gw.admin("POST", "/api/v1/volumes",
          "{\"name\":\"snapvol\",\"size\":\"16MiB\",\"acl\":[]}").status());
      String vol = "iscsi://" + gw.portal() + "/" + PREFIX + "snapvol/0";
      run("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", a.toString(), vol);
      Reply snap = gw.admin("POST", "/api/v1/volumes/snapvol/snapshots",
          "{\"description\":\"pattern A\"}");
      assertEquals(201, snap.status(), snap.body());
      long s = ((Number) snap.json().get("id")).longValue();
      run("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", b.toString(), vol);
      assertEquals(0, compare(b, vol), "the volume holds B");
      assertNotEquals(0, compare(a, vol), "compare tells A from B");

      Reply clone = gw.admin("POST", "/api/v1/snapshots/" + s + "/clone",
          "{\"name\":\"snapvol-a\",\"acl\":[]}");
      assertEquals(201, clone.status(), clone.body());
      String cl = "iscsi://" + gw.portal() + "/" + PREFIX + "snapvol-a/0";
      assertEquals(0, compare(a, cl), "the clone reads A back through iSCSI");
      Path back = tmp.resolve("clone.img");
      run("qemu-img", "convert", "-f", "raw", "-O", "raw", cl, back.toString());
      assertEquals(-1, Files.mismatch(a, back));

      String restore = "{\"snapshot\":" + s + "}";
      try (Session onVolume = Session.login(gw, PREFIX + "snapvol");
          Session onClone = Session.login(gw, PREFIX + "snapvol-a")) {
        onVolume.ping();
        Reply refused = gw.admin("POST", "/api/v1/volumes/snapvol/restore", restore);
        assertEquals(409, refused.status(), refused.body());
        assertEquals("sessions_logged_in", refused.json().get("code"));
        onVolume.ping();
        assertEquals(0, compare(b, vol), "a refused restore changes nothing");

        Reply forced = gw.admin("POST", "/api/v1/volumes/snapvol/restore",
            "{\"snapshot\":" + s + ",\"force\":true}");
        assertEquals(200, forced.status(), forced.body());
        assertEquals(1L, forced.json().get("closedSessions"));
        assertTrue(onVolume.closedByTarget(), "the volume's session was closed");
        onClone.ping();
        long undo = ((Number) ((Map<String, Object>) forced.json().get("undoSnapshot"))
            .get("id")).longValue();
        assertNotEquals(s, undo);

        assertEquals(0, compare(a, vol), "the restored volume reads A");
        onClone.ping();
        Reply back2 = gw.admin("POST", "/api/v1/volumes/snapvol/restore",
            "{\"snapshot\":" + undo + "}");
        assertEquals(200, back2.status(), back2.body());
        assertEquals(0, compare(b, vol), "restoring the undo snapshot brings B back");
        assertEquals(0, compare(a, cl), "the clone still reads A");
        onClone.ping();
      }
    }
  }
}
