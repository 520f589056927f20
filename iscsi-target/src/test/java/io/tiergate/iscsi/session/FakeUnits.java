package io.tiergate.iscsi.session;

import io.netty.buffer.Unpooled;
import io.tiergate.iscsi.scsi.ItNexus;
import io.tiergate.iscsi.scsi.LogicalUnits;
import io.tiergate.iscsi.scsi.ScsiCommand;
import io.tiergate.iscsi.scsi.ScsiResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A one-LUN stand-in for the SCSI layer: TEST UNIT READY, READ(10) and WRITE(10) on a 1 MiB
 * byte array, with 512-byte blocks. Completes at once, or, with {@link #hold}, when the test
 * says so. Records the task-management and nexus calls it gets.
 */
final class FakeUnits implements LogicalUnits {
  final byte[] disk = new byte[1 << 20];
  final List<String> calls = new ArrayList<>();
  final List<Runnable> held = new ArrayList<>();
  boolean hold;

  @Override
  public List<Long> luns() {
    return List.of(0L);
  }

  @Override
  public CompletableFuture<ScsiResult> execute(ScsiCommand command) {
    CompletableFuture<ScsiResult> future = new CompletableFuture<>();
    Runnable run = () -> future.complete(run(command));
    if (hold) {
      held.add(run);
    } else {
      run.run();
    }
    return future;
  }

  private ScsiResult run(ScsiCommand c) {
    try {
      byte[] cdb = c.cdb();
      int op = cdb[0] & 0xff;
      if (op == 0x00) {
        return new ScsiResult(ScsiResult.GOOD, new byte[0], Unpooled.EMPTY_BUFFER, -1);
      }
      long lba = ((cdb[2] & 0xffL) << 24) | ((cdb[3] & 0xff) << 16) | ((cdb[4] & 0xff) << 8)
          | (cdb[5] & 0xff);
      int blocks = ((cdb[7] & 0xff) << 8) | (cdb[8] & 0xff);
      int offset = (int) lba * 512;
      int length = blocks * 512;
      if (op == 0x28) {
        return new ScsiResult(ScsiResult.GOOD, new byte[0],
            Unpooled.copiedBuffer(disk, offset, length), length);
      }
      if (op == 0x2a) {
        int n = Math.min(length, c.dataOut().readableBytes());
        c.dataOut().getBytes(c.dataOut().readerIndex(), disk, offset, n);
        return new ScsiResult(ScsiResult.GOOD, new byte[0], Unpooled.EMPTY_BUFFER, length);
      }
      byte[] sense = {0x70, 0, 0x05, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x20, 0, 0, 0, 0, 0};
      return new ScsiResult(ScsiResult.CHECK_CONDITION, sense, Unpooled.EMPTY_BUFFER, -1);
    } finally {
      c.dataOut().release();
    }
  }

  void releaseHeld() {
    List<Runnable> runs = new ArrayList<>(held);
    held.clear();
    runs.forEach(Runnable::run);
  }

  @Override
  public void abortTask(ItNexus nexus, long lun, int initiatorTaskTag) {
    calls.add("abortTask " + lun + " " + initiatorTaskTag);
  }

  @Override
  public void abortTaskSet(ItNexus nexus, long lun) {
    calls.add("abortTaskSet " + lun);
  }

  @Override
  public void lunReset(ItNexus nexus, long lun) {
    calls.add("lunReset " + lun);
  }

  @Override
  public void targetReset(ItNexus nexus) {
    calls.add("targetReset");
  }

  @Override
  public void nexusAdded(ItNexus nexus) {
    calls.add("nexusAdded " + nexus.initiatorPortName());
  }

  @Override
  public void nexusRemoved(ItNexus nexus) {
    calls.add("nexusRemoved " + nexus.initiatorPortName());
  }
}
