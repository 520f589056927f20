package io.tiergate.gateway;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How {@code tiergate run} ends: on SIGTERM, SIGINT (Ctrl-C) or any other orderly JVM exit,
 * this hook closes the gateway (sessions closed, database synced and closed) and ends the
 * process with the status the shutdown earned: 0 when everything closed cleanly, 1 when a part
 * failed to close (the cause is logged).
 *
 * <p>Why the hook ends the process itself: the JVM exits with 128 plus the signal number (143
 * for SIGTERM, 130 for SIGINT) whatever its hooks do, so systemd and scripts would read every
 * clean stop as a failure. Halting at the end of the hook, once the gateway is closed, replaces
 * that status with the real one; nothing is lost by skipping what the JVM would still do (the
 * gateway is the process's only state, and it is closed). The JDK's supported alternative to
 * this, replacing the signal handlers, needs {@code sun.misc.Signal}, an internal API.
 *
 * <p>While serving, nothing but this hook ends the process: the serving thread only waits.
 * A second signal during the close changes nothing (the JVM runs its hooks once); {@code kill
 * -9} remains for a stuck process and loses no synced write.
 */
final class ShutdownHook {
  private static final Logger log = LoggerFactory.getLogger(ShutdownHook.class);

  private ShutdownHook() {}

  /** Closes {@code gateway} at JVM exit, then halts with {@link #closeReportingStatus}. */
  static void install(AutoCloseable gateway) {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      int status = closeReportingStatus(gateway);
      System.err.flush();
      Runtime.getRuntime().halt(status);
    }, "tiergate-shutdown"));
  }

  /** Closes {@code c}: 0 when it closed cleanly, 1 (with the cause logged) when it failed. */
  static int closeReportingStatus(AutoCloseable c) {
    try {
      c.close();
      return 0;
    } catch (Exception e) {
      log.error("the gateway did not stop cleanly: {}", e.toString(), e);
      return 1;
    }
  }
}
