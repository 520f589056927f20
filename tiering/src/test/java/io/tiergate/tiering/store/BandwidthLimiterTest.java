package io.tiergate.tiering.store;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BandwidthLimiterTest {

  @Test
  void unlimitedNeverWaits() throws Exception {
    BandwidthLimiter l = new BandwidthLimiter(0);
    long t0 = System.nanoTime();
    for (int i = 0; i < 1000; i++) {
      l.acquire(1 << 30);
    }
    assertTrue(System.nanoTime() - t0 < 1_000_000_000L);
  }

  @Test
  void sendingThreeSecondsOfBytesTakesAtLeastTwo() throws Exception {
    // The bucket starts full (one second), so 3 s of bytes need at least 2 s; an upper bound
    // would only measure how busy the machine is.
    BandwidthLimiter l = new BandwidthLimiter(1_000_000);
    long t0 = System.nanoTime();
    for (int i = 0; i < 30; i++) {
      l.acquire(100_000);
    }
    assertTrue(System.nanoTime() - t0 >= 1_900_000_000L);
  }

  @Test
  void raisingTheLimitShortensTheWait() throws Exception {
    BandwidthLimiter l = new BandwidthLimiter(1_000);
    l.acquire(1_000);
    l.setBytesPerSecond(0);
    long t0 = System.nanoTime();
    l.acquire(10_000_000);
    assertTrue(System.nanoTime() - t0 < 1_000_000_000L);
  }
}
