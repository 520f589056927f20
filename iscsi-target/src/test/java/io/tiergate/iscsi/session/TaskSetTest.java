package io.tiergate.iscsi.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.tiergate.iscsi.LeakGuard;
import io.tiergate.iscsi.login.SessionParameters;
import io.tiergate.iscsi.pdu.TaskManagementRequest;
import io.tiergate.iscsi.pdu.TaskManagementResponse;
import io.tiergate.iscsi.scsi.ItNexus;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The task set on its own: slots, remembered tags, aborts and task management answers. */
class TaskSetTest {
  static {
    LeakGuard.install();
  }

  final FakeUnits units = new FakeUnits();
  final CommandWindow window = new CommandWindow(4, 1);
  final DataOutGathering gathering = new DataOutGathering(new SessionParameters(false, "i",
      null, "t", false, false, 8192, 8192, 8192, 4096, true, true, 1, 0), 1 << 20, 1 << 20);
  final TaskSet set = new TaskSet(window, gathering, units,
      new ItNexus("iqn.2026-01.io.tiergate:i", 1, "iqn.2026-01.io.tiergate:t", 1));

  @AfterEach
  void leaks() {
    set.closed();
    LeakGuard.assertNoLeaks();
  }

  IscsiTask write(int itt, long lun) {
    IscsiTask t = new IscsiTask(itt, lun << 48, lun, new byte[16], 0, false, true, 4096);
    window.admit(window.expCmdSn(), false);
    set.add(t);
    gathering.start(t, Unpooled.EMPTY_BUFFER, true, UnpooledByteBufAllocator.DEFAULT);
    return t;
  }

  static TaskManagementRequest tmf(int function, long lun, int referenced, int cmdSn,
      int refCmdSn) {
    return new TaskManagementRequest(new byte[48], true, function, lun << 48, 99, referenced,
        cmdSn, 0, refCmdSn, 0);
  }

  @Test
  void abortingAGatheringTaskFreesItsSlotBudgetAndBufferAndRemembersItsTag() {
    IscsiTask t = write(10, 0);
    assertEquals(1, window.inFlight());
    assertEquals(4096, gathering.gatheringBytes());
    TaskSet.Managed m = set.manage(tmf(TaskManagementRequest.ABORT_TASK, 0, 10, 2, 1));
    assertEquals(TaskManagementResponse.FUNCTION_COMPLETE, m.response());
    assertFalse(m.closeConnection());
    assertTrue(t.aborted);
    assertNull(t.buffer);
    assertEquals(0, window.inFlight());
    assertEquals(0, gathering.gatheringBytes());
    assertFalse(set.contains(10));
    assertTrue(set.recentlyFinished(10), "late Data-Out for it is dropped");
  }

  @Test
  void aRunningTaskIsAbortedInTheScsiLayerAndKeepsItsSlotUntilItCompletes() {
    IscsiTask t = write(11, 0);
    t.executing = true;
    set.manage(tmf(TaskManagementRequest.ABORT_TASK_SET, 0, 0, 2, 0));
    assertEquals(List.of("abortTask 0 11", "abortTaskSet 0"), units.calls);
    assertTrue(set.contains(11));
    assertEquals(1, window.inFlight());
    set.finished(t);
    set.finished(t);
    assertEquals(0, window.inFlight(), "finishing twice frees one slot");
    t.releaseBuffer();
  }

  @Test
  void answersForMissingTasksLunsAndUnsupportedFunctions() {
    assertEquals(TaskManagementResponse.FUNCTION_COMPLETE,
        set.manage(tmf(TaskManagementRequest.ABORT_TASK, 0, 77, 3, 2)).response(),
        "a task never received but inside the window counts as done");
    assertEquals(TaskManagementResponse.TASK_DOES_NOT_EXIST,
        set.manage(tmf(TaskManagementRequest.ABORT_TASK, 0, 77, 3, 40)).response());
    assertEquals(TaskManagementResponse.LUN_DOES_NOT_EXIST,
        set.manage(tmf(TaskManagementRequest.LOGICAL_UNIT_RESET, 5, 0, 3, 0)).response());
    assertEquals(TaskManagementResponse.NOT_SUPPORTED,
        set.manage(tmf(TaskManagementRequest.CLEAR_ACA, 0, 0, 3, 0)).response());
    assertEquals(TaskManagementResponse.REASSIGNMENT_NOT_SUPPORTED,
        set.manage(tmf(TaskManagementRequest.TASK_REASSIGN, 0, 0, 3, 0)).response());
    assertEquals(TaskManagementResponse.REJECTED, set.manage(tmf(99, 0, 0, 3, 0)).response());
  }

  @Test
  void aColdResetAbortsEverythingAndEndsTheConnection() {
    write(12, 0);
    TaskSet.Managed warm = set.manage(tmf(TaskManagementRequest.TARGET_WARM_RESET, 0, 0, 2,
        0));
    assertFalse(warm.closeConnection());
    assertFalse(set.contains(12));
    TaskSet.Managed cold = set.manage(tmf(TaskManagementRequest.TARGET_COLD_RESET, 0, 0, 3,
        0));
    assertTrue(cold.closeConnection());
    assertEquals(List.of("targetReset", "targetReset"), units.calls);
  }
}
