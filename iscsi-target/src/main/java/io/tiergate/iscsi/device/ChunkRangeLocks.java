package io.tiergate.iscsi.device;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed set of locks indexed by chunk number, for the reference devices of this package.
 * Writes, unmaps and compare-and-writes lock the stripes of the contiguous chunk range they
 * touch, in ascending stripe order so that two multi-chunk operations cannot deadlock; reads
 * take no lock. (The gateway's engine locks chunk IDs, not ranges, and hashes them onto its
 * stripes; it has a lock class of its own for that.)
 */
final class ChunkRangeLocks {

  private final ReentrantLock[] locks;

  ChunkRangeLocks(int stripes) {
    locks = new ReentrantLock[stripes];
    for (int i = 0; i < stripes; i++) {
      locks[i] = new ReentrantLock();
    }
  }

  /** Locks the stripes covering chunks {@code first..last}; blocking until all are held. */
  void lock(long first, long last) {
    for (ReentrantLock l : stripes(first, last)) {
      l.lock();
    }
  }

  void unlock(long first, long last) {
    for (ReentrantLock l : stripes(first, last)) {
      l.unlock();
    }
  }

  /** The stripes covering chunks {@code first..last}, each once, in ascending order. */
  private List<ReentrantLock> stripes(long first, long last) {
    if (first == last) {
      return List.of(locks[(int) Math.floorMod(first, (long) locks.length)]);
    }
    if (last - first + 1 >= locks.length) {
      return Arrays.asList(locks);
    }
    boolean[] held = new boolean[locks.length];
    for (long c = first; c <= last; c++) {
      held[(int) Math.floorMod(c, (long) locks.length)] = true;
    }
    List<ReentrantLock> out = new ArrayList<>();
    for (int i = 0; i < held.length; i++) {
      if (held[i]) {
        out.add(locks[i]);
      }
    }
    return out;
  }
}
