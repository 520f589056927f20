package io.tiergate.iscsi.session;

import io.tiergate.iscsi.pdu.Opcodes;
import io.tiergate.iscsi.pdu.TaskManagementRequest;
import io.tiergate.iscsi.pdu.TaskManagementResponse;
import io.tiergate.iscsi.scsi.ItNexus;
import io.tiergate.iscsi.scsi.LogicalUnits;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The commands a session has in flight, by initiator task tag, and what ends them: completion,
 * refusal, abort, and the task management functions of RFC 7143 section 11.5.
 *
 * <p>A finished task frees its CmdSN window slot and its tag is remembered for a while, so that
 * Data-Out still in flight for a task that was aborted or refused is dropped rather than
 * rejected. An abort of a task still gathering data ends it here; one the SCSI layer is
 * running is passed on, and the SCSI layer's completion then frees the slot. Event-loop
 * confined, like the connection.
 */
final class TaskSet {
  private static final int RECENT_TAGS = 64;

  /**
   * The answer to a task management request.
   *
   * @param response the Task Management Function Response code
   * @param closeConnection whether the connection ends once the answer is sent (cold reset)
   */
  record Managed(int response, boolean closeConnection) {}

  private final Map<Integer, IscsiTask> tasks = new HashMap<>();
  private final int[] recentTags = new int[RECENT_TAGS];
  private int recentIndex;
  private final CommandWindow window;
  private final DataOutGathering gathering;
  private final LogicalUnits units;
  private final ItNexus nexus;

  /**
   * The task set of one session.
   *
   * @param window the session's CmdSN window, whose slots finished tasks free
   * @param gathering the session's write gathering, whose budget ended tasks give back
   * @param units the target's logical units (null on a discovery session)
   * @param nexus the I_T nexus (null on a discovery session)
   */
  TaskSet(CommandWindow window, DataOutGathering gathering, LogicalUnits units, ItNexus nexus) {
    this.window = window;
    this.gathering = gathering;
    this.units = units;
    this.nexus = nexus;
    Arrays.fill(recentTags, Opcodes.RESERVED_TAG);
  }

  /** The task with this tag, or null. */
  IscsiTask get(int itt) {
    return tasks.get(itt);
  }

  /** Whether a task has this tag now. */
  boolean contains(int itt) {
    return tasks.containsKey(itt);
  }

  /** Adds a new task; it takes a window slot. */
  void add(IscsiTask task) {
    window.started();
    tasks.put(task.itt, task);
  }

  /** Ends a task: it leaves the set and frees its slot, unless it already did. */
  void finished(IscsiTask task) {
    if (tasks.get(task.itt) == task) {
      tasks.remove(task.itt);
      remember(task.itt);
      window.finished();
    }
  }

  /** Ends a task that will not run: its data budget and buffer go back too. */
  void refused(IscsiTask task) {
    gathering.stop(task);
    task.releaseBuffer();
    finished(task);
  }

  /** Whether the tag belonged to one of the last tasks to finish. */
  boolean recentlyFinished(int itt) {
    for (int tag : recentTags) {
      if (tag == itt) {
        return true;
      }
    }
    return false;
  }

  private void remember(int itt) {
    recentTags[recentIndex] = itt;
    recentIndex = (recentIndex + 1) % RECENT_TAGS;
  }

  /**
   * Carries out a task management function. The caller admitted it to the CmdSN window and
   * made sure the session is a normal one.
   */
  Managed manage(TaskManagementRequest pdu) {
    long lun = Lun.toFlat(pdu.lun());
    boolean lunExists = units.luns().contains(lun);
    switch (pdu.function()) {
      case TaskManagementRequest.ABORT_TASK:
        return new Managed(abortTask(pdu, lun), false);
      case TaskManagementRequest.ABORT_TASK_SET:
      case TaskManagementRequest.CLEAR_TASK_SET:
        if (!lunExists) {
          return new Managed(TaskManagementResponse.LUN_DOES_NOT_EXIST, false);
        }
        abortWhere(lun);
        units.abortTaskSet(nexus, lun);
        return new Managed(TaskManagementResponse.FUNCTION_COMPLETE, false);
      case TaskManagementRequest.LOGICAL_UNIT_RESET:
        if (!lunExists) {
          return new Managed(TaskManagementResponse.LUN_DOES_NOT_EXIST, false);
        }
        abortWhere(lun);
        units.lunReset(nexus, lun);
        return new Managed(TaskManagementResponse.FUNCTION_COMPLETE, false);
      case TaskManagementRequest.TARGET_WARM_RESET:
      case TaskManagementRequest.TARGET_COLD_RESET:
        abortWhere(-1);
        units.targetReset(nexus);
        // A cold reset also ends every connection of the nexus: this one.
        return new Managed(TaskManagementResponse.FUNCTION_COMPLETE,
            pdu.function() == TaskManagementRequest.TARGET_COLD_RESET);
      case TaskManagementRequest.CLEAR_ACA:
        return new Managed(TaskManagementResponse.NOT_SUPPORTED, false);
      case TaskManagementRequest.TASK_REASSIGN:
        return new Managed(TaskManagementResponse.REASSIGNMENT_NOT_SUPPORTED, false);
      default:
        return new Managed(TaskManagementResponse.REJECTED, false);
    }
  }

  private int abortTask(TaskManagementRequest pdu, long lun) {
    IscsiTask task = tasks.get(pdu.referencedTaskTag());
    if (task != null && task.lun == lun) {
      abort(task);
      return TaskManagementResponse.FUNCTION_COMPLETE;
    }
    if (task == null && window.inWindow(pdu.refCmdSn())
        && Serial.lt(pdu.refCmdSn(), pdu.cmdSn())) {
      // Never received: consider it received and done (RFC 7143 section 11.5.1).
      return TaskManagementResponse.FUNCTION_COMPLETE;
    }
    return TaskManagementResponse.TASK_DOES_NOT_EXIST;
  }

  /** Aborts every task of one LUN, or of all when {@code lun} is negative. */
  void abortWhere(long lun) {
    List<IscsiTask> victims = new ArrayList<>();
    for (IscsiTask t : tasks.values()) {
      if (lun < 0 || t.lun == lun) {
        victims.add(t);
      }
    }
    for (IscsiTask t : victims) {
      abort(t);
    }
  }

  private void abort(IscsiTask task) {
    task.aborted = true;
    if (task.executing) {
      // The SCSI layer completes it; the completion drops the result and frees the slot.
      units.abortTask(nexus, task.lun, task.itt);
    } else {
      refused(task);
    }
  }

  /** The connection is gone: every task is aborted and its data released. */
  void closed() {
    for (IscsiTask task : tasks.values()) {
      task.aborted = true;
      task.releaseBuffer();
      if (task.executing && units != null) {
        units.abortTask(nexus, task.lun, task.itt);
      }
    }
    tasks.clear();
  }
}
