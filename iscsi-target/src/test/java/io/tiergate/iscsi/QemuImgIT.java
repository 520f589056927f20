package io.tiergate.iscsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.iscsi.device.MemoryBlockDevice;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * qemu-img, through its libiscsi block driver, as the initiator: a 256 MiB image copied into a
 * LUN and back byte for byte, and {@code qemu-img bench} reads and writes at queue depth 32.
 */
class QemuImgIT {
  static final String IQN = "iqn.2026-01.io.tiergate:it-qemu";
  static final long SIZE = 256L << 20;
  static final Duration TIMEOUT = Duration.ofMinutes(5);

  static {
    LeakGuard.install();
  }

  static MemoryBlockDevice lun;
  static IscsiServer server;
  static String url;

  @BeforeAll
  static void start() {
    lun = new MemoryBlockDevice(SIZE, 512);
    server = IscsiServer.start(TargetConfig.builder().target(IQN, lun, null).build(),
        "127.0.0.1", 0);
    url = "iscsi://127.0.0.1:" + server.port() + "/" + IQN + "/0";
  }

  @AfterAll
  static void stop() {
    server.close();
    lun.close();
    LeakGuard.assertNoLeaks();
  }

  @Test
  void convertsA256MibImageInAndOutByteIdentical(@TempDir Path dir) throws Exception {
    Path in = dir.resolve("random.raw");
    Random random = new Random(20261128);
    byte[] chunk = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(in)) {
      for (long done = 0; done < SIZE; done += chunk.length) {
        random.nextBytes(chunk);
        out.write(chunk);
      }
    }
    Tool.Result write = Tool.run(TIMEOUT, "qemu-img", "convert", "-f", "raw", "-O", "raw",
        in.toString(), url);
    assertTrue(write.ok(), write.output());
    Path back = dir.resolve("back.raw");
    Tool.Result read = Tool.run(TIMEOUT, "qemu-img", "convert", "-f", "raw", "-O", "raw", url,
        back.toString());
    assertTrue(read.ok(), read.output());
    assertEquals(SIZE, Files.size(back));
    assertEquals(-1L, mismatch(in, back), "first differing byte");
  }

  @Test
  void benchReadsAndWritesAtQueueDepth32() throws Exception {
    for (String mode : new String[] {"read", "write"}) {
      java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("qemu-img",
          "bench", "-f", "raw", "-t", "none", "-c", "20000", "-d", "32", "-s", "4096"));
      if (mode.equals("write")) {
        command.add("-w");
      }
      command.add(url);
      Tool.Result r = Tool.run(TIMEOUT, command);
      assertTrue(r.ok(), mode + ": " + r.output());
      assertTrue(r.output().contains("Run completed"), mode + ": " + r.output());
    }
    Tool.Result big = Tool.run(TIMEOUT, "qemu-img", "bench", "-f", "raw", "-w", "-c", "500",
        "-d", "32", "-s", "65536", url);
    assertTrue(big.ok(), big.output());
  }

  private static long mismatch(Path a, Path b) throws IOException {
    try (InputStream x = new BufferedInputStream(Files.newInputStream(a), 1 << 20);
        InputStream y = new BufferedInputStream(Files.newInputStream(b), 1 << 20)) {
      byte[] p = new byte[1 << 20];
      byte[] q = new byte[1 << 20];
      long offset = 0;
      while (true) {
        int n = x.readNBytes(p, 0, p.length);
        int m = y.readNBytes(q, 0, q.length);
        int i = Arrays.mismatch(p, 0, n, q, 0, m);
        if (i >= 0) {
          return offset + i;
        }
        if (n == 0) {
          return -1;
        }
        offset += n;
      }
    }
  }
}
