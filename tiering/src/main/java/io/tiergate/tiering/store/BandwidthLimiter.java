package io.tiergate.tiering.store;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A token bucket in bytes per second, shared by every upload so their sum stays under the
 * configured limit. A limit of zero or less means unlimited. The limit can change while
 * uploads run (a bandwidth schedule does that).
 *
 * <p>The bucket holds at most one second of tokens, so an idle period does not buy a burst
 * longer than that; a request larger than the bucket simply waits for its whole debt, which
 * keeps the long-run rate right even for 32 MiB packs under a 1 MB/s limit.
 */
public final class BandwidthLimiter {

  private final Object lock = new Object();
  private volatile long bytesPerSecond;
  private double tokens;
  private long lastRefill = System.nanoTime();

  /** A limiter at {@code bytesPerSecond} (zero or less: unlimited). */
  public BandwidthLimiter(long bytesPerSecond) {
    this.bytesPerSecond = bytesPerSecond;
    this.tokens = Math.max(0, bytesPerSecond);
  }

  /** Changes the limit (zero or less: unlimited). */
  public void setBytesPerSecond(long bytesPerSecond) {
    synchronized (lock) {
      refill(System.nanoTime());
      this.bytesPerSecond = bytesPerSecond;
      tokens = Math.min(tokens, Math.max(0, bytesPerSecond));
    }
  }

  /** The current limit in bytes per second; zero or less is unlimited. */
  public long bytesPerSecond() {
    return bytesPerSecond;
  }

  /** Blocks until {@code bytes} may be sent. */
  public void acquire(long bytes) throws InterruptedException {
    long waitNanos;
    synchronized (lock) {
      long rate = bytesPerSecond;
      if (rate <= 0) {
        return;
      }
      refill(System.nanoTime());
      tokens -= bytes;
      waitNanos = tokens >= 0 ? 0 : (long) (-tokens * 1e9 / rate);
    }
    long deadline = System.nanoTime() + waitNanos;
    for (long left = waitNanos; left > 0; left = deadline - System.nanoTime()) {
      LockSupport.parkNanos(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }

  private void refill(long now) {
    long rate = bytesPerSecond;
    if (rate > 0) {
      tokens = Math.min(rate, tokens + (now - lastRefill) * rate / 1e9);
    }
    lastRefill = now;
  }
}
