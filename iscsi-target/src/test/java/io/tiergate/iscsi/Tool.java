package io.tiergate.iscsi;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs an external initiator tool (iscsi-ls, iscsi-inq, qemu-img, ...) and captures its output. */
public final class Tool {
  private Tool() {}

  /**
   * What a tool did.
   *
   * @param exitCode the exit status (-1 when it had to be killed)
   * @param output stdout and stderr, interleaved
   */
  public record Result(int exitCode, String output) {
    /** Whether it exited 0. */
    public boolean ok() {
      return exitCode == 0;
    }
  }

  /** Runs the command, killing it after {@code timeout}. */
  public static Result run(Duration timeout, String... command)
      throws IOException, InterruptedException {
    return run(timeout, List.of(command));
  }

  /** Runs the command, killing it after {@code timeout}. */
  public static Result run(Duration timeout, List<String> command)
      throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    StringBuilder out = new StringBuilder();
    Thread reader = new Thread(() -> {
      try {
        out.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
      } catch (IOException e) {
        out.append("[output lost: ").append(e).append(']');
      }
    });
    reader.start();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly().waitFor();
      reader.join(5000);
      return new Result(-1, out + "\n[killed after " + timeout + "]");
    }
    reader.join(5000);
    return new Result(p.exitValue(), out.toString());
  }
}
