package io.tiergate.gateway.admin;

import io.tiergate.gateway.tier.CloudTierService;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cloud sync an administrator asked for ({@code POST /cloud/sync}): at most one runs at a
 * time, on its own thread, and a request while one runs joins it. A sync can take hours on a
 * slow uplink, so no request waits for it unboundedly: the API answers at once (or after a
 * bounded wait) with the sync's state, and {@code GET /cloud} reports it ({@link #toJson})
 * until the next one starts, which is what {@code Start-CloudSync -Wait} polls.
 */
final class CloudSync {
  private static final Logger log = LoggerFactory.getLogger(CloudSync.class);

  /** One sync run. */
  static final class Run {
    final long id;
    final Instant startedAt = Instant.now();
    private final CountDownLatch done = new CountDownLatch(1);
    private volatile Instant finishedAt;
    private volatile long uploadedChunks;
    private volatile long dirtyBytesAfter = -1;
    private volatile String error;

    private Run(long id) {
      this.id = id;
    }

    boolean finished() {
      return done.getCount() == 0;
    }

    /** Waits at most {@code d}; returns whether the run has finished. */
    boolean await(Duration d) throws InterruptedException {
      return done.await(d.toMillis(), TimeUnit.MILLISECONDS);
    }

    String error() {
      return error;
    }

    long uploadedChunks() {
      return uploadedChunks;
    }

    double seconds() {
      Instant end = finishedAt != null ? finishedAt : Instant.now();
      return Duration.between(startedAt, end).toMillis() / 1000.0;
    }

    Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", id);
      m.put("state", !finished() ? "running" : error == null ? "finished" : "failed");
      m.put("startedAt", startedAt.toString());
      m.put("finishedAt", finishedAt == null ? null : finishedAt.toString());
      m.put("seconds", Math.round(seconds() * 100) / 100.0);
      m.put("uploadedChunks", finished() ? uploadedChunks : null);
      m.put("dirtyBytesAfter", dirtyBytesAfter < 0 ? null : dirtyBytesAfter);
      m.put("error", error);
      return m;
    }
  }

  private Run current;
  private long nextId = 1;

  /** Starts a sync, or returns the one running; the boolean says whether this call started it. */
  synchronized Map.Entry<Run, Boolean> start(CloudTierService cloud) {
    if (current != null && !current.finished()) {
      return Map.entry(current, false);
    }
    Run run = new Run(nextId++);
    current = run;
    Thread t = new Thread(() -> execute(cloud, run), "tiergate-cloud-sync-" + run.id);
    t.setDaemon(true);
    t.start();
    return Map.entry(run, true);
  }

  private static void execute(CloudTierService cloud, Run run) {
    try {
      run.uploadedChunks = cloud.sync();
      run.dirtyBytesAfter = cloud.dirtyBytes(); // exact, unlike the cached figure GET /cloud has
    } catch (InterruptedException e) {
      run.error = "interrupted";
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      // Reported through GET /cloud and the CLI; logged here once with what the tier said.
      run.error = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      log.warn("cloud sync {} failed: {}", run.id, run.error);
    } finally {
      run.finishedAt = Instant.now();
      run.done.countDown();
    }
  }

  /** The latest run as JSON, or null when none ran since the gateway started. */
  synchronized Map<String, Object> toJson() {
    return current == null ? null : current.toJson();
  }
}
