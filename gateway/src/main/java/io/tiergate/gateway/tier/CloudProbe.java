package io.tiergate.gateway.tier;

import io.tiergate.tiering.store.ObjectStore;
import io.tiergate.tiering.store.RetryingObjectStore;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health probe: keeps {@link CloudHealth} current when no traffic does.
 *
 * <p>Owns: the probe thread, which ticks every second: it runs the alert clock and, when due,
 * one probe attempt (every {@value #PROBE_AWAY_MILLIS} ms while the store is away, after
 * {@value #PROBE_IDLE_MILLIS} ms without any answer while it is connected, never for another
 * appliance's container). Every attempt of every store call already reports to the health, so
 * a probe is one attempt with no retries whose ending the health hears.
 *
 * <p>Concurrency: the probe itself runs on the cold-read pool, so that a store that holds
 * requests without answering never holds up the tick (and the alert clock on it); at most one
 * probe is in flight.
 */
final class CloudProbe {
  private static final Logger log = LoggerFactory.getLogger(CloudProbe.class);
  /** How often the store is probed while it is away. */
  static final long PROBE_AWAY_MILLIS = 2_000;
  /** A store that has not answered anything for this long is probed. */
  static final long PROBE_IDLE_MILLIS = 5_000;
  /**
   * What an Azure probe reads: a name that is never written, so the answer is a 404, billed as
   * a read (about a tenth of a listing's price; a probe every 5 s costs cents a month).
   */
  static final String PROBE_OBJECT = "meta/probe";

  private final TierContext ctx;
  private final ColdReads cold;
  private final ScheduledExecutorService prober =
      Executors.newSingleThreadScheduledExecutor(ColdReads.daemon("tiergate-cloud-probe"));
  private volatile long lastProbeMillis;
  private volatile Future<?> probe;

  CloudProbe(TierContext ctx, ColdReads cold) {
    this.ctx = ctx;
    this.cold = cold;
  }

  /** Starts ticking every second. */
  void start() {
    prober.scheduleWithFixedDelay(this::tick, 1000, 1000, TimeUnit.MILLISECONDS);
  }

  void close() {
    prober.shutdownNow();
  }

  /** One tick of the probe thread: the alert clock, and a probe when one is due. */
  void tick() {
    if (ctx.closed) {
      return;
    }
    ctx.health.checkAlert();
    long now = System.currentTimeMillis();
    CloudHealth.State s = ctx.health.state();
    boolean due = switch (s) {
      case DISCONNECTED, CONNECTING -> now - lastProbeMillis >= PROBE_AWAY_MILLIS;
      case CONNECTED -> now - Math.max(lastProbeMillis, ctx.health.lastAnswerMillis())
          >= PROBE_IDLE_MILLIS;
      case FOREIGN_CONTAINER -> false; // the periodic pass checks the container again
    };
    if (!due) {
      return;
    }
    Future<?> running = probe;
    if (running != null && !running.isDone()) {
      return; // a probe the store has not answered yet: it reports when it ends
    }
    lastProbeMillis = now;
    ObjectStore store = ctx.objects;
    boolean azure = ctx.config.azure();
    try {
      // On the cold-read pool, so that a store that holds requests without answering never
      // holds up this thread (and the alert clock on it).
      probe = cold.submit(() -> {
        try {
          // One attempt: the health hears how it ended (a 404 is an answer). A directory is
          // listed instead: a vanished one fails to list, while reading a name in it answers.
          RetryingObjectStore once = ((RetryingObjectStore) store).withBudget(Duration.ZERO);
          if (azure) {
            once.get(PROBE_OBJECT);
          } else {
            once.list("keys/");
          }
        } catch (RuntimeException e) {
          log.debug("cloud probe failed: {}", e.getMessage());
        }
      });
    } catch (RejectedExecutionException e) {
      // closing
    }
  }
}
