package io.tiergate.gateway.engine;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM of a crash test, on the test's class path. It reports on standard output, one
 * line per event, each ending in {@code " ."} so that a line cut short by the kill is not
 * taken for a whole one: {@code READY} first, then {@code I ...} before each operation.
 */
final class CrashChildProcess {
  final Process process;
  private final List<String> lines = new ArrayList<>();
  private final Thread reader;

  private CrashChildProcess(Process process) {
    this.process = process;
    this.reader = new Thread(this::gather);
    reader.start();
  }

  /** Starts {@code main} with {@code args}. */
  static CrashChildProcess start(Class<?> main, String... args) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m",
        "-cp", System.getProperty("java.class.path"), main.getName()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    return new CrashChildProcess(pb.start());
  }

  private void gather() {
    try (BufferedReader r = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String l; (l = r.readLine()) != null; ) {
        if (l.endsWith(" .")) {
          synchronized (lines) {
            lines.add(l);
            lines.notifyAll();
          }
        }
      }
    } catch (IOException e) {
      // the pipe closes when the child dies
    }
  }

  /**
   * Waits until the child has begun {@code ops} operations, has died, or two minutes passed;
   * fails the test (after killing it) when it never said it was ready.
   */
  void awaitOperations(int ops, int run) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    synchronized (lines) {
      while (lines.stream().filter(l -> l.startsWith("I ")).count() < ops && process.isAlive()
          && System.nanoTime() < deadline) {
        lines.wait(100);
      }
      if (lines.isEmpty() || !lines.get(0).startsWith("READY")) {
        process.destroyForcibly();
        fail("child did not start (run " + run + ")");
      }
    }
  }

  /** Kills the child with SIGKILL (what destroyForcibly is on Linux) and returns its lines. */
  List<String> kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
    reader.join();
    synchronized (lines) {
      return new ArrayList<>(lines);
    }
  }
}
