package io.tiergate.iscsi.scsi;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The SCSI side of one iSCSI target: its logical units, as the session layer drives them.
 *
 * <p>The session calls {@link #execute} on the event loop; the implementation runs the command
 * on its own executor (never blocking the caller) and completes the future there. A command
 * addressed to a LUN that does not exist completes with CHECK CONDITION, ILLEGAL REQUEST,
 * LOGICAL UNIT NOT SUPPORTED (except INQUIRY and REPORT LUNS, per SPC-5).
 */
public interface LogicalUnits {

  /** The LUNs this target exposes, ascending. */
  List<Long> luns();

  /** Runs one command. The future never completes exceptionally: failures become sense. */
  CompletableFuture<ScsiResult> execute(ScsiCommand command);

  /** ABORT TASK: the command with this tag from this nexus, if it has not yet completed, must not complete normally. */
  void abortTask(ItNexus nexus, long lun, int initiatorTaskTag);

  /** ABORT TASK SET / CLEAR TASK SET on one LUN for one nexus. */
  void abortTaskSet(ItNexus nexus, long lun);

  /**
   * LOGICAL UNIT RESET: abort all tasks on the LUN, release RESERVE(6) reservations, and raise
   * a unit attention on every nexus, the resetting one included (SAM-5 section 6.3.3).
   */
  void lunReset(ItNexus nexus, long lun);

  /** TARGET WARM RESET: a LUN reset on every LUN. */
  void targetReset(ItNexus nexus);

  /** A nexus logged in (a new session or a reinstated one): unit attention for power-on/reset is due to it once. */
  void nexusAdded(ItNexus nexus);

  /** A nexus is gone (session closed): its tasks are aborted; reservations held by it persist. */
  void nexusRemoved(ItNexus nexus);
}
