package io.tiergate.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Running the real tools and the installed gateway from the tests. */
final class Commands {
  private static final Pattern PORTAL = Pattern.compile("iSCSI portal: (\\S+):(\\d+)");

  private Commands() {}

  /** Runs {@code cmd}, fails the test unless it exits 0 within 5 minutes; its output. */
  static String run(String... cmd) {
    return run(Map.of(), cmd);
  }

  /** Runs {@code cmd} with {@code env} added to the environment. */
  static String run(Map<String, String> env, String... cmd) {
    Result r = exec(env, cmd);
    assertEquals(0, r.status(), String.join(" ", cmd) + " failed:\n" + r.output());
    return r.output();
  }

  /** Exit status and merged output of a finished command. */
  record Result(int status, String output) {}

  /** Runs {@code cmd} whatever its exit status. */
  static Result exec(Map<String, String> env, String... cmd) {
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
      pb.environment().putAll(env);
      Process p = pb.start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(300, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail(String.join(" ", cmd) + " timed out");
      }
      return new Result(p.exitValue(), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads the gateway's standard output up to the line naming its iSCSI portal, then keeps
   * draining it in the background; "host:port".
   */
  static String portal(Process gateway, Path log) throws IOException {
    BufferedReader out = new BufferedReader(
        new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8));
    for (String line; (line = out.readLine()) != null; ) {
      Matcher m = PORTAL.matcher(line);
      if (m.find()) {
        Thread drain = new Thread(() -> {
          try {
            out.transferTo(java.io.Writer.nullWriter());
          } catch (IOException e) {
            // The gateway exited: nothing more to drain.
          }
        });
        drain.setDaemon(true);
        drain.start();
        return m.group(1) + ":" + m.group(2);
      }
    }
    fail("the gateway exited before listening:\n" + (Files.exists(log) ? Files.readString(log) : ""));
    return null;
  }

  /** SIGTERM, then the gateway's shutdown hook closes the sessions and the store. */
  static int stop(Process gateway) throws InterruptedException {
    gateway.destroy();
    if (!gateway.waitFor(60, TimeUnit.SECONDS)) {
      gateway.destroyForcibly();
      fail("the gateway did not stop within 60 s of SIGTERM");
    }
    return gateway.exitValue();
  }

  /** A file of {@code size} random bytes. */
  static Path randomImage(Path file, int size, long seed) throws IOException {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    // Some runs of zeros and repeats, so holes and dedup are on the path too.
    System.arraycopy(b, 0, b, size / 2, size / 8);
    java.util.Arrays.fill(b, size / 4, size / 4 + (1 << 20), (byte) 0);
    return Files.write(file, b);
  }

  /**
   * Writes {@code image} to the LUN with qemu-img, reads the LUN back and asserts that it is
   * identical. The LUN must be exactly the image's size.
   */
  static void qemuRoundTrip(Path image, String lun, Path back) throws IOException {
    run("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", image.toString(), lun);
    run("qemu-img", "convert", "-f", "raw", "-O", "raw", lun, back.toString());
    assertEquals(-1, Files.mismatch(image, back), "the LUN did not read back what was written");
  }
}
