package io.tiergate.gateway.engine;

import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed array of locks chosen by hash: bounded memory whatever the number of chunks. A
 * caller that needs several takes them in ascending stripe order ({@link #lockAll}), so two
 * callers can never deadlock on one another. The engine locks block-map positions (volume,
 * chunk index) and chunk IDs, scattered keys rather than the contiguous ranges that
 * iscsi-target's reference devices lock, hence the hashing and the lock-a-set API.
 */
final class StripedLocks {
  private final ReentrantLock[] locks;
  private final int mask;

  StripedLocks(int stripes) {
    if (Integer.bitCount(stripes) != 1) {
      throw new IllegalArgumentException("stripes must be a power of two");
    }
    locks = new ReentrantLock[stripes];
    for (int i = 0; i < stripes; i++) {
      locks[i] = new ReentrantLock();
    }
    mask = stripes - 1;
  }

  int stripe(long a, long b) {
    long h = a * 0x9E3779B97F4A7C15L + b;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return (int) h & mask;
  }

  int stripe(byte[] id) {
    return ((id[0] & 0xff) | (id[1] & 0xff) << 8 | (id[2] & 0xff) << 16) & mask;
  }

  /** Locks the given stripes (any order, duplicates allowed); returns what to pass to unlock. */
  int[] lockAll(int[] stripes) {
    int[] s = Arrays.stream(stripes).sorted().distinct().toArray();
    for (int i = 0; i < s.length; i++) {
      locks[s[i]].lock();
    }
    return s;
  }

  void unlockAll(int[] locked) {
    for (int i = locked.length - 1; i >= 0; i--) {
      locks[locked[i]].unlock();
    }
  }
}
