package io.tiergate.iscsi.scsi;

import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCountUtil;
import io.tiergate.iscsi.spi.BlockDevice;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SBC-4/SPC-5 command set over a set of {@link BlockDevice}s, one per LUN.
 *
 * <p>Flow of a command: {@link #execute} registers a task and hands it to the executor, so the
 * calling event loop never waits for storage. On the executor the dispatcher answers for absent
 * LUNs, delivers a pending unit attention, looks the CDB up in the {@link CommandTable}, applies
 * the reservation rules and runs the handler. Every failure on that path, whatever throws it,
 * goes through {@link ErrorMapper}, so the future never completes exceptionally.
 *
 * <p>Abort: task management marks a task aborted. A task not yet started is never run; one that
 * is running finishes its device call (a write may reach the medium, as SAM allows) and then
 * completes with TASK ABORTED status (0x40), its data discarded: the session drops it.
 *
 * <p>Commands run concurrently (SIMPLE task semantics for every task attribute); handlers that
 * change shared state (reservations, mode pages) serialise on that state.
 */
public final class BlockDeviceLogicalUnits implements LogicalUnits {

  private static final Logger LOG = LoggerFactory.getLogger(BlockDeviceLogicalUnits.class);

  /** SAM status TASK ABORTED, for tasks the session is going to drop anyway. */
  static final int TASK_ABORTED = ScsiResult.TASK_ABORTED;
  private static final byte[] NO_SENSE = new byte[0];

  private final Map<Long, LogicalUnit> units;
  private final List<Long> lunList;
  private final Executor executor;
  private final CommandTable table;
  private final Map<TaskKey, ScsiTask> tasks = new ConcurrentHashMap<>();

  private record TaskKey(ItNexus nexus, long lun, int tag) {}

  /**
   * Serves {@code luns} (LUN number to device), running commands on {@code executor}. The
   * devices stay owned by the caller.
   */
  public BlockDeviceLogicalUnits(Map<Long, BlockDevice> luns, Executor executor) {
    Map<Long, LogicalUnit> m = new TreeMap<>();
    for (Map.Entry<Long, BlockDevice> e : luns.entrySet()) {
      LogicalUnit lu = new LogicalUnit(e.getKey(), e.getValue());
      long lun = e.getKey();
      lu.taskAborter = nexus -> abortWhere(k -> k.lun() == lun && k.nexus().equals(nexus));
      m.put(e.getKey(), lu);
    }
    this.units = Collections.unmodifiableMap(m);
    this.lunList = List.copyOf(m.keySet());
    this.executor = executor;
    this.table = new CommandTable(t -> UnitCommands.reportLuns(t, lunList),
        t -> UnitCommands.requestSense(t, takeUnitAttentionSense(t)));
  }

  @Override
  public List<Long> luns() {
    return lunList;
  }

  /** The state of one LUN, or null. */
  LogicalUnit unit(long lun) {
    return units.get(lun);
  }

  @Override
  public CompletableFuture<ScsiResult> execute(ScsiCommand command) {
    CompletableFuture<ScsiResult> future = new CompletableFuture<>();
    if (command.cdb() == null || command.cdb().length == 0) {
      release(command);
      future.complete(ErrorMapper.fromScsi(ScsiException.invalidOpcode(), -1));
      return future;
    }
    ScsiTask task = new ScsiTask(command, units.get(command.lun()));
    TaskKey key = new TaskKey(command.nexus(), command.lun(), command.initiatorTaskTag());
    tasks.put(key, task);
    try {
      executor.execute(() -> run(key, task, future));
    } catch (RejectedExecutionException e) {
      tasks.remove(key, task);
      release(command);
      future.complete(new ScsiResult(ScsiResult.TASK_SET_FULL, NO_SENSE, Unpooled.EMPTY_BUFFER,
          -1));
    }
    return future;
  }

  private void run(TaskKey key, ScsiTask task, CompletableFuture<ScsiResult> future) {
    ScsiResult result;
    try {
      if (task.aborted) {
        result = aborted();
      } else {
        result = dispatch(task);
        if (task.aborted) {
          ReferenceCountUtil.release(result.dataIn());
          result = aborted();
        }
      }
    } catch (Throwable t) {
      result = ErrorMapper.toResult(t, task.transferLength);
    } finally {
      tasks.remove(key, task);
      release(task.command);
    }
    future.complete(result);
  }

  private static ScsiResult aborted() {
    return new ScsiResult(TASK_ABORTED, NO_SENSE, Unpooled.EMPTY_BUFFER, -1);
  }

  private static void release(ScsiCommand command) {
    if (command.dataOut() != null && command.dataOut().refCnt() > 0) {
      command.dataOut().release();
    }
  }

  /** Everything between a registered task and its result; throws to signal failure. */
  private ScsiResult dispatch(ScsiTask t) {
    int opcode = t.opcode();
    LogicalUnit lu = t.lu;
    if (lu == null) {
      switch (opcode) {
        case 0x12:
        case 0xA0:
          break;
        case 0x03:
          t.transferLength = Cdb.u8(t.cdb, 4);
          return t.dataIn(Sense.fixed(Sense.ILLEGAL_REQUEST, 0x25, 0x00), Cdb.u8(t.cdb, 4));
        default:
          throw ScsiException.lunNotSupported();
      }
      return table.lookup(t.cdb).handler().execute(t);
    }
    if (opcode != 0x12 && opcode != 0xA0 && opcode != 0x03) {
      int ua = lu.takeUnitAttention(t.nexus());
      if (ua >= 0) {
        throw ScsiException.unitAttention(ua >>> 8, ua & 0xFF);
      }
    }
    CommandTable.Entry entry = table.lookup(t.cdb);
    checkReservations(t, entry.access());
    return entry.handler().execute(t);
  }

  private static void checkReservations(ScsiTask t, PersistentReservations.Access access) {
    if (access == PersistentReservations.Access.ALWAYS) {
      return;
    }
    ItNexus holder = t.lu.spc2Holder();
    if (holder != null && !holder.equals(t.nexus())) {
      throw ScsiException.reservationConflict();
    }
    t.lu.reservations.checkAccess(t.nexus(), access);
  }

  private byte[] takeUnitAttentionSense(ScsiTask t) {
    int ua = t.lu.takeUnitAttention(t.nexus());
    return ua < 0 ? null : Sense.fixed(Sense.UNIT_ATTENTION, ua >>> 8, ua & 0xFF);
  }

  @Override
  public void abortTask(ItNexus nexus, long lun, int initiatorTaskTag) {
    ScsiTask t = tasks.get(new TaskKey(nexus, lun, initiatorTaskTag));
    if (t != null) {
      t.aborted = true;
    }
  }

  @Override
  public void abortTaskSet(ItNexus nexus, long lun) {
    abortWhere(k -> k.lun() == lun && k.nexus().equals(nexus));
  }

  @Override
  public void lunReset(ItNexus nexus, long lun) {
    abortWhere(k -> k.lun() == lun);
    LogicalUnit lu = units.get(lun);
    if (lu != null) {
      lu.reset(nexus);
    }
  }

  @Override
  public void targetReset(ItNexus nexus) {
    for (long lun : lunList) {
      lunReset(nexus, lun);
    }
  }

  @Override
  public void nexusAdded(ItNexus nexus) {
    for (LogicalUnit lu : units.values()) {
      lu.nexusAdded(nexus);
    }
  }

  @Override
  public void nexusRemoved(ItNexus nexus) {
    abortWhere(k -> k.nexus().equals(nexus));
    for (LogicalUnit lu : units.values()) {
      lu.nexusRemoved(nexus);
    }
  }

  private int abortWhere(Predicate<TaskKey> which) {
    List<ScsiTask> hit = new ArrayList<>();
    for (Map.Entry<TaskKey, ScsiTask> e : tasks.entrySet()) {
      if (which.test(e.getKey())) {
        e.getValue().aborted = true;
        hit.add(e.getValue());
      }
    }
    if (!hit.isEmpty()) {
      LOG.debug("aborted {} task(s)", hit.size());
    }
    return hit.size();
  }
}
