package io.tiergate.gateway.admin;

import io.tiergate.gateway.tier.CloudTierService;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the upload limit in force to the running cloud tier: the weekly schedule's rule for
 * the current minute, else the default limit. Runs at the start of every minute on the admin
 * service's thread, and at once whenever the schedule or the default changes. Both are kept in
 * {@code admin/bandwidth.json}; the default starts as the {@code --bandwidth-limit} flag's
 * value until an administrator sets one.
 *
 * <p>The clock is injected so that tests can ask what applies at any time of the week.
 */
final class BandwidthScheduler {
  private static final Logger log = LoggerFactory.getLogger(BandwidthScheduler.class);

  private final Path adminDir;
  private final Clock clock;
  private final Supplier<CloudTierService> cloud;
  private volatile BandwidthSchedule schedule = BandwidthSchedule.EMPTY;
  private volatile long defaultLimit;
  private volatile boolean defaultSaved;

  BandwidthScheduler(Path adminDir, Clock clock, Supplier<CloudTierService> cloud,
      long flagDefault) {
    this.adminDir = adminDir;
    this.clock = clock;
    this.cloud = cloud;
    this.defaultLimit = Math.max(0, flagDefault);
    Map<String, Object> saved;
    try {
      saved = CloudSettings.loadBandwidth(adminDir);
    } catch (IllegalStateException e) {
      // A damaged settings file must not keep the gateway from serving storage.
      log.error("bandwidth settings ignored: {}", e.getMessage());
      saved = null;
    }
    if (saved != null) {
      if (saved.get("defaultLimit") instanceof Long n) {
        defaultLimit = Math.max(0, n);
        defaultSaved = true;
      }
      try {
        schedule = BandwidthSchedule.parse(saved.getOrDefault("rules", java.util.List.of()));
      } catch (ApiException e) {
        log.error("bandwidth schedule in {} ignored: {}", adminDir, e.getMessage());
      }
    }
  }

  BandwidthSchedule schedule() {
    return schedule;
  }

  /** The default limit in bytes per second; 0 is unlimited. */
  long defaultLimit() {
    return defaultLimit;
  }

  /** Sets and saves the default limit, and applies what is in force now. */
  synchronized void setDefault(long bytesPerSecond) {
    defaultLimit = Math.max(0, bytesPerSecond);
    defaultSaved = true;
    save();
    apply();
  }

  /** Sets and saves the schedule, and applies what is in force now. */
  synchronized void setSchedule(BandwidthSchedule s) {
    schedule = s;
    save();
    apply();
  }

  private void save() {
    Map<String, Object> m = new LinkedHashMap<>();
    if (defaultSaved) {
      m.put("defaultLimit", defaultLimit);
    }
    m.put("rules", schedule.toJson());
    CloudSettings.saveBandwidth(adminDir, m);
  }

  /** The index of the schedule's rule in force now, or -1 when the default applies. */
  int ruleNow() {
    return schedule.ruleAt(LocalDateTime.now(clock));
  }

  /** The limit in force now, in bytes per second; 0 is unlimited. */
  long limitNow() {
    return schedule.limitAt(LocalDateTime.now(clock), defaultLimit);
  }

  /** Gives the running tier the limit in force now (when it differs); returns that limit. */
  synchronized long apply() {
    long limit = limitNow();
    CloudTierService c = cloud.get();
    if (c != null && Math.max(0, c.bandwidthLimit()) != limit) {
      c.setBandwidthLimit(limit);
    }
    return limit;
  }

  /** Applies now and then at the start of every minute, on {@code executor}. */
  void start(ScheduledExecutorService executor) {
    applySafely();
    scheduleNext(executor);
  }

  private void scheduleNext(ScheduledExecutorService executor) {
    long now = clock.millis();
    long delay = 60_000 - Math.floorMod(now, 60_000) + 50;
    try {
      executor.schedule(() -> {
        applySafely();
        scheduleNext(executor);
      }, delay, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      log.debug("closing: bandwidth schedule stopped");
    }
  }

  private void applySafely() {
    try {
      apply();
    } catch (RuntimeException e) {
      log.warn("applying the bandwidth schedule failed", e);
    }
  }
}
