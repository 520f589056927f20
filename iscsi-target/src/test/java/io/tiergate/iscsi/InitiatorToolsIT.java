package io.tiergate.iscsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.iscsi.auth.ChapCredentials;
import io.tiergate.iscsi.device.MemoryBlockDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * libiscsi's command-line initiators and qemu-img against an in-process target: discovery with
 * and without CHAP, a wrong secret, mutual CHAP, CRC32C digests and many sessions at once.
 */
class InitiatorToolsIT {
  static final String OPEN = "iqn.2026-01.io.tiergate:it-open";
  static final String SECURE = "iqn.2026-01.io.tiergate:it-secure";
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  static {
    LeakGuard.install();
  }

  static MemoryBlockDevice openLun;
  static MemoryBlockDevice secureLun;
  static IscsiServer server;
  static String portal;
  static IscsiServer guarded;
  static String guardedPortal;

  @BeforeAll
  static void start() {
    openLun = new MemoryBlockDevice(64L << 20, 512);
    secureLun = new MemoryBlockDevice(16L << 20, 512);
    ChapCredentials chap = ChapCredentials.mutual("alice", "alice-secret-12", "tgt",
        "target-secret-34");
    server = IscsiServer.start(TargetConfig.builder()
        .target(new TargetConfig.Target(OPEN, Map.of(0L, openLun), Set.of(), null))
        .target(new TargetConfig.Target(SECURE, Map.of(0L, secureLun), Set.of(), chap))
        .build(), "127.0.0.1", 0);
    portal = "127.0.0.1:" + server.port();
    guarded = IscsiServer.start(TargetConfig.builder()
        .target(new TargetConfig.Target(SECURE, Map.of(0L, secureLun), Set.of(), chap))
        .discoveryChap(chap)
        .build(), "127.0.0.1", 0);
    guardedPortal = "127.0.0.1:" + guarded.port();
  }

  @AfterAll
  static void stop() {
    server.close();
    guarded.close();
    openLun.close();
    secureLun.close();
    LeakGuard.assertNoLeaks();
  }

  @Test
  void discoveryWithoutChapListsEveryTarget() throws Exception {
    Tool.Result r = Tool.run(TIMEOUT, "iscsi-ls", "iscsi://" + portal);
    assertTrue(r.ok(), r.output());
    assertTrue(r.output().contains("Target:" + OPEN + " Portal:" + portal + ",1"), r.output());
    assertTrue(r.output().contains("Target:" + SECURE + " Portal:" + portal + ",1"), r.output());
  }

  @Test
  void discoveryWithChapListsTargetsAndLuns() throws Exception {
    Tool.Result r = Tool.run(TIMEOUT, "iscsi-ls", "-s",
        "iscsi://alice%alice-secret-12@" + guardedPortal);
    assertTrue(r.ok(), r.output());
    assertTrue(r.output().contains("Target:" + SECURE + " Portal:" + guardedPortal + ",1"),
        r.output());
    assertTrue(r.output().contains("Lun:0"), r.output());
    Tool.Result anonymous = Tool.run(TIMEOUT, "iscsi-ls", "iscsi://" + guardedPortal);
    assertFalse(anonymous.ok(), anonymous.output());
    Tool.Result wrong = Tool.run(TIMEOUT, "iscsi-ls", "iscsi://alice%wrong-secret@"
        + guardedPortal);
    assertFalse(wrong.ok(), wrong.output());
    assertTrue(wrong.output().contains("Authentication failure"), wrong.output());
  }

  @Test
  void loginWithChapSucceeds() throws Exception {
    Tool.Result r = Tool.run(TIMEOUT, "iscsi-inq",
        "iscsi://alice%alice-secret-12@" + portal + "/" + SECURE + "/0");
    assertTrue(r.ok(), r.output());
    assertTrue(r.output().contains("Peripheral Device Type:DIRECT_ACCESS"), r.output());
  }

  @Test
  void wrongSecretIsRefusedWithAuthenticationFailure() throws Exception {
    Tool.Result r = Tool.run(TIMEOUT, "iscsi-inq",
        "iscsi://alice%not-the-secret@" + portal + "/" + SECURE + "/0");
    assertFalse(r.ok(), r.output());
    assertTrue(r.output().contains("Authentication failure"), r.output());
    Tool.Result none = Tool.run(TIMEOUT, "iscsi-inq", "iscsi://" + portal + "/" + SECURE + "/0");
    assertFalse(none.ok(), none.output());
    assertTrue(none.output().contains("Authentication failure"), none.output());
  }

  @Test
  void mutualChapProvesTheTargetToo() throws Exception {
    String base = "iscsi://alice%alice-secret-12@" + portal + "/" + SECURE + "/0";
    Tool.Result good = Tool.run(TIMEOUT, "iscsi-inq",
        base + "?target_user=tgt&target_password=target-secret-34");
    assertTrue(good.ok(), good.output());
    Tool.Result bad = Tool.run(TIMEOUT, "iscsi-inq",
        base + "?target_user=tgt&target_password=some-other-secret");
    assertFalse(bad.ok(), bad.output());
  }

  @Test
  void headerAndDataDigests(@TempDir Path dir) throws Exception {
    String url = "iscsi://" + portal + "/" + OPEN + "/0";
    Tool.Result inq = Tool.run(TIMEOUT, "iscsi-inq",
        url + "?header_digest=crc32c&data_digest=crc32c");
    assertTrue(inq.ok(), inq.output());

    byte[] image = new byte[4 << 20];
    new Random(7).nextBytes(image);
    Path in = dir.resolve("in.raw");
    Files.write(in, image);
    // qemu's own option for header digests (libiscsi 1.19's URL parser crashes on it).
    String opts = "driver=raw,file.driver=iscsi,file.transport=tcp,file.portal=" + portal
        + ",file.target=" + OPEN + ",file.lun=0,file.header-digest=crc32c";
    Tool.Result write = Tool.run(TIMEOUT, "qemu-img", "convert", "-n", "--target-image-opts",
        "-f", "raw", in.toString(), opts);
    assertTrue(write.ok(), write.output());
    Path out = dir.resolve("out.raw");
    Tool.Result read = Tool.run(TIMEOUT, "qemu-img", "convert", "-O", "raw",
        url + "?data_digest=crc32c", out.toString());
    assertTrue(read.ok(), read.output());
    byte[] back = Files.readAllBytes(out);
    assertEquals(64 << 20, back.length);
    assertArrayEquals(image, java.util.Arrays.copyOf(back, image.length));
  }

  @Test
  void manySessionsAtOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(12);
    try {
      List<Future<Tool.Result>> runs = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        String initiator = "iqn.2026-01.io.tiergate:host" + i;
        runs.add(pool.submit(() -> Tool.run(TIMEOUT, "iscsi-inq", "-i", initiator,
            "iscsi://" + portal + "/" + OPEN + "/0")));
      }
      for (Future<Tool.Result> f : runs) {
        Tool.Result r = f.get();
        assertTrue(r.ok(), r.output());
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
