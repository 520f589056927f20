package io.tiergate.gateway.bench;

import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs {@link ChunkWritePathBenchmark} on one thread and prints MB/s of each figure and the
 * engine's write path as a ratio to a bare RocksDB 64 KiB put measured in the same run.
 *
 * <p>Usage: {@code WritePathBenchReport <jmh log file> [--quick]}; {@code --quick} only checks
 * the harness, its figures mean nothing.
 */
public final class WritePathBenchReport {
  private WritePathBenchReport() {}

  public static void main(String[] args) throws RunnerException {
    String log = args.length > 0 ? args[0] : "gateway-bench.log";
    boolean quick = args.length > 1 && args[1].equals("--quick");
    ChainedOptionsBuilder opts = new OptionsBuilder()
        .include(ChunkWritePathBenchmark.class.getName())
        .threads(1)
        .jvmArgs("-Xms1g", "-Xmx1g",
            "-Dbench.dir=" + System.getProperty("bench.dir", "target/jmh-data"))
        .output(log);
    if (quick) {
      opts.warmupIterations(1).warmupTime(TimeValue.milliseconds(300))
          .measurementIterations(1).measurementTime(TimeValue.milliseconds(500));
    }
    Collection<RunResult> results = new Runner(opts.build()).run();
    Map<String, double[]> mbps = new HashMap<>();
    for (RunResult r : results) {
      String name = r.getParams().getBenchmark();
      name = name.substring(name.lastIndexOf('.') + 1);
      double perSec = ChunkWritePathBenchmark.CHUNK / 1e6;
      mbps.put(name, new double[] {r.getPrimaryResult().getScore() * perSec,
          r.getPrimaryResult().getScoreError() * perSec});
    }
    System.out.printf(Locale.ROOT, "%nTiergate chunk write path, 64 KiB chunks, one thread, %s %s%n",
        System.getProperty("java.vm.name"), System.getProperty("java.version"));
    if (quick) {
      System.out.println("QUICK RUN: harness check only, figures are not meaningful");
    }
    String[] order = {"engineWriteUniqueRandom", "engineWriteUniqueCompressible",
        "engineWriteDuplicate", "rocksDbPut64KiB", "hmacSha256", "lz4Compressible"};
    double peer = mbps.getOrDefault("rocksDbPut64KiB", new double[] {Double.NaN})[0];
    System.out.printf(Locale.ROOT, "%-32s %10s %10s %14s%n", "benchmark", "MB/s", "+/-",
        "x RocksDB put");
    for (String n : order) {
      double[] v = mbps.get(n);
      if (v == null) {
        continue;
      }
      System.out.printf(Locale.ROOT, "%-32s %10.1f %10.1f %14.2f%n", n, v[0], v[1], v[0] / peer);
    }
  }
}
