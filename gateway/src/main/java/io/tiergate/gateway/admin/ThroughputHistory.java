package io.tiergate.gateway.admin;

import io.tiergate.gateway.metrics.GatewayStats;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The last hour of appliance throughput for the dashboard: every {@value #INTERVAL_SECONDS}
 * seconds the difference of the I/O totals is kept, up to one hour of samples.
 */
final class ThroughputHistory {
  static final int INTERVAL_SECONDS = 10;
  private static final int SAMPLES = 3600 / INTERVAL_SECONDS;

  private record Sample(long millis, double readBps, double writeBps, double readIops,
      double writeIops) {}

  private final GatewayStats stats;
  private final ArrayDeque<Sample> samples = new ArrayDeque<>();
  private long lastMillis;
  private long lastRead;
  private long lastWrite;
  private long lastReadOps;
  private long lastWriteOps;

  ThroughputHistory(GatewayStats stats) {
    this.stats = stats;
    lastMillis = System.currentTimeMillis();
  }

  /** Takes a sample; called every interval. */
  synchronized void sample() {
    long now = System.currentTimeMillis();
    double secs = Math.max(0.001, (now - lastMillis) / 1000.0);
    long r = stats.totalReadBytes();
    long w = stats.totalWriteBytes();
    long ro = stats.totalReadOps();
    long wo = stats.totalWriteOps();
    samples.addLast(new Sample(now, (r - lastRead) / secs, (w - lastWrite) / secs,
        (ro - lastReadOps) / secs, (wo - lastWriteOps) / secs));
    while (samples.size() > SAMPLES) {
      samples.removeFirst();
    }
    lastMillis = now;
    lastRead = r;
    lastWrite = w;
    lastReadOps = ro;
    lastWriteOps = wo;
  }

  synchronized Map<String, Object> toJson() {
    List<Object> list = new ArrayList<>();
    for (Sample s : samples) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("time", s.millis());
      m.put("readBytesPerSecond", Math.round(s.readBps()));
      m.put("writeBytesPerSecond", Math.round(s.writeBps()));
      m.put("readIops", Math.round(s.readIops() * 10) / 10.0);
      m.put("writeIops", Math.round(s.writeIops() * 10) / 10.0);
      list.add(m);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("intervalSeconds", INTERVAL_SECONDS);
    m.put("totals", Map.of("readBytes", stats.totalReadBytes(),
        "writeBytes", stats.totalWriteBytes(), "readOps", stats.totalReadOps(),
        "writeOps", stats.totalWriteOps()));
    m.put("samples", list);
    return m;
  }
}
