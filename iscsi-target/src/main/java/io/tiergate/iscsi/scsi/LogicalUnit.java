package io.tiergate.iscsi.scsi;

import io.tiergate.iscsi.spi.BlockDevice;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The state of one logical unit beyond its blocks: pending unit attentions per I_T nexus, the
 * SPC-2 reservation, persistent reservations and the changeable mode parameters.
 *
 * <p>Concurrency: commands for one LU run concurrently on the executor. Unit attentions are
 * kept per nexus in small synchronised queues; the SPC-2 holder is a volatile reference changed
 * under this object's lock; persistent reservations guard themselves. Mode parameters are
 * volatile fields, each changed as a whole.
 */
final class LogicalUnit {

  /** POWER ON, RESET, OR BUS DEVICE RESET OCCURRED. */
  static final int UA_POWER_ON_RESET = 0x2900;
  /** BUS DEVICE RESET FUNCTION OCCURRED (after a LUN reset). */
  static final int UA_LUN_RESET = 0x2903;
  /** MODE PARAMETERS CHANGED. */
  static final int UA_MODE_PARAMETERS_CHANGED = 0x2A01;
  /** RESERVATIONS PREEMPTED. */
  static final int UA_RESERVATIONS_PREEMPTED = 0x2A03;
  /** RESERVATIONS RELEASED. */
  static final int UA_RESERVATIONS_RELEASED = 0x2A04;
  /** REGISTRATIONS PREEMPTED. */
  static final int UA_REGISTRATIONS_PREEMPTED = 0x2A05;
  /** CAPACITY DATA HAS CHANGED. */
  static final int UA_CAPACITY_CHANGED = 0x2A09;

  final long lun;
  final BlockDevice device;
  final PersistentReservations reservations;
  private final Set<ItNexus> nexuses = ConcurrentHashMap.newKeySet();
  private final Map<ItNexus, Deque<Integer>> unitAttentions = new ConcurrentHashMap<>();
  private volatile ItNexus spc2Holder;
  private volatile long lastBlockCount;

  /** Aborts every task of one nexus on this LU (PREEMPT AND ABORT); set by the owner. */
  volatile java.util.function.Consumer<ItNexus> taskAborter = n -> { };

  /** Caching page: write cache enabled. When cleared every write is forced unit access. */
  volatile boolean writeCacheEnabled = true;
  /** Control page: software write protect. */
  volatile boolean softwareWriteProtect;

  LogicalUnit(long lun, BlockDevice device) {
    this.lun = lun;
    this.device = device;
    this.reservations = new PersistentReservations(device);
    this.lastBlockCount = device.blockCount();
  }

  void nexusAdded(ItNexus nexus) {
    nexuses.add(nexus);
    Deque<Integer> q = queue(nexus);
    synchronized (q) {
      q.clear();
      q.add(UA_POWER_ON_RESET);
    }
  }

  /** I_T nexus loss: its unit attentions go, and so does its RESERVE(6) reservation. */
  void nexusRemoved(ItNexus nexus) {
    nexuses.remove(nexus);
    unitAttentions.remove(nexus);
    release6(nexus);
  }

  /** Queues a unit attention for one nexus (duplicates of a pending condition are dropped). */
  void raise(ItNexus nexus, int condition) {
    Deque<Integer> q = queue(nexus);
    synchronized (q) {
      if (!q.contains(condition)) {
        q.add(condition);
      }
    }
  }

  /** Queues a unit attention for every known nexus except {@code except} (may be null). */
  void raiseAllExcept(ItNexus except, int condition) {
    for (ItNexus n : nexuses) {
      if (!n.equals(except)) {
        raise(n, condition);
      }
    }
  }

  /** Takes the oldest pending unit attention for {@code nexus}, or -1. */
  int takeUnitAttention(ItNexus nexus) {
    checkCapacity();
    Deque<Integer> q = unitAttentions.get(nexus);
    if (q == null) {
      return -1;
    }
    synchronized (q) {
      Integer c = q.poll();
      return c == null ? -1 : c;
    }
  }

  private void checkCapacity() {
    long now = device.blockCount();
    if (now != lastBlockCount) {
      lastBlockCount = now;
      raiseAllExcept(null, UA_CAPACITY_CHANGED);
    }
  }

  private Deque<Integer> queue(ItNexus nexus) {
    return unitAttentions.computeIfAbsent(nexus, k -> new ArrayDeque<>());
  }

  void abortTasksOf(ItNexus nexus) {
    taskAborter.accept(nexus);
  }

  ItNexus spc2Holder() {
    return spc2Holder;
  }

  synchronized boolean reserve6(ItNexus nexus) {
    if (spc2Holder != null && !spc2Holder.equals(nexus)) {
      return false;
    }
    spc2Holder = nexus;
    return true;
  }

  synchronized void release6(ItNexus nexus) {
    if (nexus == null || nexus.equals(spc2Holder)) {
      spc2Holder = null;
    }
  }

  /**
   * LOGICAL UNIT RESET: drops the SPC-2 reservation and raises BUS DEVICE RESET FUNCTION
   * OCCURRED on every I_T nexus, the requester's included (SAM-5 6.6: the unit attention is
   * established for every I_T nexus; multipath initiators rely on seeing it on each path).
   */
  void reset(ItNexus by) {
    release6(null);
    raiseAllExcept(null, UA_LUN_RESET);
  }
}
