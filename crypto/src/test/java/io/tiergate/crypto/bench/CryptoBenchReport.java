package io.tiergate.crypto.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the crypto benchmarks on one thread and prints each figure as a ratio to the raw JDK
 * primitive measured in the same run, with the goals of issue 2 beside them.
 *
 * <p>Usage: {@code CryptoBenchReport <jmh log file> [--quick]}. {@code --quick} shortens every
 * phase to check that the harness works; its figures mean nothing.
 */
public final class CryptoBenchReport {
  private static final int[] SIZES = {65536, 1048576};
  private static boolean missing;

  private CryptoBenchReport() {}

  public static void main(String[] args) throws RunnerException, IOException {
    Path log = Path.of(args.length > 0 ? args[0] : "crypto-bench.log");
    boolean quick = args.length > 1 && args[1].equals("--quick");
    Files.createDirectories(log.toAbsolutePath().getParent());
    ChainedOptionsBuilder opts =
        new OptionsBuilder()
            .include(RecordCipherBenchmark.class.getName())
            .include(ChunkIdBenchmark.class.getName())
            .include(UnlockBenchmark.class.getName())
            .include(ProviderChoiceBenchmark.class.getName())
            .threads(1)
            .jvmArgs("-Xms1g", "-Xmx1g")
            .output(log.toString());
    if (quick) {
      opts.warmupIterations(1)
          .warmupTime(TimeValue.milliseconds(300))
          .measurementIterations(1)
          .measurementTime(TimeValue.milliseconds(300));
    }
    Collection<RunResult> results = new Runner(opts.build()).run();

    Map<String, double[]> score = new HashMap<>();
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark();
      name = name.substring(name.lastIndexOf('.') + 1);
      String size = r.getParams().getParam("size");
      // The best iteration (fastest) is reported beside the mean: on a shared machine it is the
      // closer estimate of what the code can do, as contention only ever slows an iteration.
      boolean timed = r.getParams().getMode() == Mode.AverageTime;
      double best = Double.NaN;
      for (BenchmarkResult br : r.getBenchmarkResults()) {
        for (IterationResult ir : br.getIterationResults()) {
          double v = ir.getPrimaryResult().getScore();
          best = Double.isNaN(best) ? v : timed ? Math.min(best, v) : Math.max(best, v);
        }
      }
      score.put(
          size == null ? name : name + "@" + size,
          new double[] {
            r.getPrimaryResult().getScore(), r.getPrimaryResult().getScoreError(), best
          });
    }

    System.out.printf(
        Locale.ROOT,
        "%nTiergate crypto benchmark: one thread, %s %s, %s%n",
        System.getProperty("java.vm.name"),
        System.getProperty("java.version"),
        cpu());
    if (quick) {
      System.out.println("QUICK RUN: harness check only, figures are not meaningful");
    }
    System.out.printf(
        Locale.ROOT,
        "%-30s %10s %24s %24s %8s %9s%n",
        "",
        "buffer",
        "Tiergate (mean ± err)",
        "raw JDK peer",
        "ratio",
        "best-it");
    for (int size : SIZES) {
      row(score, "record encrypt", "recordEncrypt", "rawGcmEncrypt", size, 0.9);
      row(
          score,
          "record encrypt into buffer",
          "recordEncryptIntoBuffer",
          "rawGcmEncrypt",
          size,
          0.9);
      row(score, "record decrypt", "recordDecrypt", "rawGcmDecrypt", size, 0.9);
      row(score, "chunk ID", "chunkId", "rawHmac", size, 0.9);
      row(score, "chunk ID, direct buffer", "chunkIdDirectBuffer", "rawHmac", size, 0.9);
    }
    double[] unlock = score.get("unlock");
    double[] pbkdf2 = score.get("rawPbkdf2");
    if (unlock == null || pbkdf2 == null) {
      System.out.println("key ring unlock not measured: see the JMH log");
      missing = true;
    } else {
      System.out.printf(
          Locale.ROOT,
          "%-30s %10s %21.0f ms %21.0f ms %7.2fx %8.2fx  goal < 1000 ms: %s (best %.0f ms)%n",
          "key ring unlock (600k PBKDF2)",
          "-",
          unlock[0],
          pbkdf2[0],
          unlock[0] / pbkdf2[0],
          unlock[2] / pbkdf2[2],
          unlock[0] < 1000 ? "met" : "MISSED",
          unlock[2]);
    }
    System.out.println();
    System.out.println(
        "Provider choice (JDK = SunJCE, used by Tiergate; BC = Bouncy Castle lightweight API):");
    for (int size : SIZES) {
      provider(score, "AES-256-GCM encrypt", "rawGcmEncrypt@" + size, "bcGcmEncrypt@" + size, size);
      provider(score, "HMAC-SHA-256", "rawHmac@" + size, "bcHmac@" + size, size);
    }
    double[] bcKdf = score.get("bcPbkdf2");
    if (pbkdf2 != null && bcKdf != null) {
      System.out.printf(
          Locale.ROOT,
          "%-30s %10s %14.0f ms JDK %14.0f ms BC  JDK is %.1fx faster%n",
          "PBKDF2-HMAC-SHA-256 600k",
          "-",
          pbkdf2[0],
          bcKdf[0],
          bcKdf[0] / pbkdf2[0]);
    }
    System.out.println(
        "ratio = Tiergate / raw peer (means) for throughput, Tiergate time / peer time for unlock;"
            + " best-it = the same from each side's best iteration; goals are judged on the means.");
    System.out.println("Full JMH output: " + log);
    if (missing) {
      System.exit(1);
    }
  }

  private static void row(
      Map<String, double[]> score, String label, String ours, String peer, int size, double goal) {
    double[] a = score.get(ours + "@" + size);
    double[] b = score.get(peer + "@" + size);
    if (a == null || b == null) {
      System.out.printf(Locale.ROOT, "%-30s %10s not measured: see the JMH log%n", label, size);
      missing = true;
      return;
    }
    double ratio = a[0] / b[0];
    System.out.printf(
        Locale.ROOT,
        "%-30s %10s %14s ± %-7s %14s ± %-7s %7.2fx %8.2fx  goal >= %.1fx: %s%n",
        label,
        size == 65536 ? "64 KiB" : "1 MiB",
        rate(a[0] * size),
        rate(a[1] * size),
        rate(b[0] * size),
        rate(b[1] * size),
        ratio,
        a[2] / b[2],
        goal,
        ratio >= goal ? "met" : "MISSED");
  }

  private static void provider(
      Map<String, double[]> score, String label, String jdk, String bc, int size) {
    double[] a = score.get(jdk);
    double[] b = score.get(bc);
    if (a == null || b == null) {
      return;
    }
    System.out.printf(
        Locale.ROOT,
        "%-30s %10s %14s JDK %14s BC  JDK is %.1fx faster%n",
        label,
        size == 65536 ? "64 KiB" : "1 MiB",
        rate(a[0] * size),
        rate(b[0] * size),
        a[0] / b[0]);
  }

  private static String rate(double bytesPerSecond) {
    return String.format(Locale.ROOT, "%.0f MB/s", bytesPerSecond / 1e6);
  }

  private static String cpu() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux: the CPU name is only a label.
    }
    return System.getProperty("os.arch");
  }
}
