package io.tiergate.gateway.admin;

import io.tiergate.gateway.admin.EventLog.Severity;
import java.util.Locale;

/**
 * Raises an alert in the event log when local usage crosses {@value #WARNING_PERCENT}%
 * (warning) or {@value #ERROR_PERCENT}% (error), once per crossing rather than at every
 * sample, and a note when it falls back below the warning level.
 */
final class CapacityAlarm {
  static final int WARNING_PERCENT = 85;
  static final int ERROR_PERCENT = 95;

  private final EventLog events;
  private int level;

  CapacityAlarm(EventLog events) {
    this.events = events;
  }

  synchronized void check(double usedPercent) {
    if (Double.isNaN(usedPercent)) {
      return;
    }
    int now = usedPercent >= ERROR_PERCENT ? 2 : usedPercent >= WARNING_PERCENT ? 1 : 0;
    if (now > level) {
      events.record(now == 2 ? Severity.ERROR : Severity.WARNING, "capacity", "gateway",
          String.format(Locale.ROOT, "local disk %.1f%% used: %s", usedPercent,
              now == 2 ? "writes will soon fail with a space allocation error" : "nearly full"));
    } else if (now == 0 && level > 0) {
      events.record(Severity.INFO, "capacity", "gateway",
          String.format(Locale.ROOT, "local disk back to %.1f%% used", usedPercent));
    }
    level = now;
  }
}
