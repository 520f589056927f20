package io.tiergate.iscsi.scsi;

import static io.tiergate.iscsi.scsi.Harness.A;
import static io.tiergate.iscsi.scsi.Harness.B;
import static io.tiergate.iscsi.scsi.Harness.cdb;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.tiergate.iscsi.device.MemoryBlockDevice;
import io.tiergate.iscsi.spi.BlockDevice;
import io.tiergate.iscsi.spi.BlockDeviceException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

class BlockDeviceLogicalUnitsTest {

  /** An executor that runs nothing until told to. */
  static final class HeldExecutor implements Executor {
    final Queue<Runnable> queue = new ArrayDeque<>();

    @Override
    public void execute(Runnable r) {
      queue.add(r);
    }

    void runAll() {
      Runnable r;
      while ((r = queue.poll()) != null) {
        r.run();
      }
    }
  }

  @Test
  void commandsRunOnTheExecutorNotTheCaller() {
    HeldExecutor ex = new HeldExecutor();
    BlockDeviceLogicalUnits u = new BlockDeviceLogicalUnits(
        Map.of(0L, new MemoryBlockDevice(1 << 20, 512)), ex);
    CompletableFuture<ScsiResult> f = u.execute(new ScsiCommand(A, 0, cdb(0, 0, 0, 0, 0, 0),
        Unpooled.EMPTY_BUFFER, 0, 1, 1));
    assertFalse(f.isDone());
    ex.runAll();
    assertEquals(ScsiResult.GOOD, f.join().status());
  }

  @Test
  void abortedTaskNeverCompletesNormallyAndItsDataIsReleased() {
    HeldExecutor ex = new HeldExecutor();
    BlockDeviceLogicalUnits u = new BlockDeviceLogicalUnits(
        Map.of(0L, new MemoryBlockDevice(1 << 20, 512)), ex);
    var data = Unpooled.buffer(512).writeZero(512);
    CompletableFuture<ScsiResult> f = u.execute(new ScsiCommand(A, 0, Harness.write10(0, 1),
        data, 512, 1, 7));
    u.abortTask(A, 0, 7);
    ex.runAll();
    assertEquals(BlockDeviceLogicalUnits.TASK_ABORTED, f.join().status());
    assertEquals(0, data.refCnt());
    CompletableFuture<ScsiResult> g = u.execute(new ScsiCommand(B, 0, Harness.read10(0, 1),
        Unpooled.EMPTY_BUFFER, 512, 1, 8));
    u.lunReset(A, 0);
    ex.runAll();
    assertEquals(BlockDeviceLogicalUnits.TASK_ABORTED, g.join().status());
  }

  @Test
  void abortTaskSetOnlyHitsThatNexus() {
    HeldExecutor ex = new HeldExecutor();
    BlockDeviceLogicalUnits u = new BlockDeviceLogicalUnits(
        Map.of(0L, new MemoryBlockDevice(1 << 20, 512)), ex);
    var fa = u.execute(new ScsiCommand(A, 0, cdb(0, 0, 0, 0, 0, 0), Unpooled.EMPTY_BUFFER, 0, 1, 1));
    var fb = u.execute(new ScsiCommand(B, 0, cdb(0, 0, 0, 0, 0, 0), Unpooled.EMPTY_BUFFER, 0, 1, 1));
    u.abortTaskSet(A, 0);
    ex.runAll();
    assertEquals(BlockDeviceLogicalUnits.TASK_ABORTED, fa.join().status());
    assertEquals(ScsiResult.GOOD, fb.join().status());
  }

  @Test
  void rejectedExecutionIsTaskSetFull() {
    BlockDeviceLogicalUnits u = new BlockDeviceLogicalUnits(
        Map.of(0L, new MemoryBlockDevice(1 << 20, 512)), r -> {
          throw new java.util.concurrent.RejectedExecutionException();
        });
    var data = Unpooled.buffer(512).writeZero(512);
    ScsiResult r = u.execute(new ScsiCommand(A, 0, Harness.write10(0, 1), data, 512, 1, 1)).join();
    assertEquals(ScsiResult.TASK_SET_FULL, r.status());
    assertEquals(0, data.refCnt());
  }

  @Test
  void unitAttentionsAfterLoginResetAndCapacityChange() {
    CountingDevice d = new CountingDevice(new MemoryBlockDevice(1 << 20, 512));
    try (Harness h = new Harness(d)) {
      h.units.nexusAdded(A);
      h.run(A, cdb(0x12, 0, 0, 0, 36, 0)).assertGood();
      h.run(A, Harness.read10(0, 1)).assertSense(Sense.UNIT_ATTENTION, 0x2900);
      h.run(A, Harness.read10(0, 1)).assertGood();
      h.login(B);
      h.units.lunReset(A, 0);
      h.run(A, Harness.read10(0, 1)).assertSense(Sense.UNIT_ATTENTION, 0x2903);
      Harness.Outcome rs = h.run(B, cdb(0x03, 0, 0, 0, 18, 0));
      rs.assertGood();
      assertEquals(Sense.UNIT_ATTENTION, rs.data()[2]);
      assertEquals(0x29, rs.data()[12]);
      assertEquals(0x03, rs.data()[13]);
      h.run(B, Harness.read10(0, 1)).assertGood();
      d.extraBlocks = 8;
      h.run(A, Harness.read10(0, 1)).assertSense(Sense.UNIT_ATTENTION, 0x2A09);
      h.run(B, Harness.read10(0, 1)).assertSense(Sense.UNIT_ATTENTION, 0x2A09);
      byte[] none = h.run(B, cdb(0x03, 0, 0, 0, 18, 0)).data();
      assertEquals(0, none[2]);
      h.run(A, cdb(0x03, 1, 0, 0, 18, 0)).assertInvalidCdbField(1);
    }
  }

  @Test
  void unknownOpcodesAndServiceActions() {
    try (Harness h = new Harness()) {
      h.run(new byte[0]).assertSense(Sense.ILLEGAL_REQUEST, 0x2000);
      h.run(cdb(0xC0, 0, 0, 0, 0, 0)).assertSense(Sense.ILLEGAL_REQUEST, 0x2000);
      byte[] c = new byte[16];
      c[0] = (byte) 0x9E;
      c[1] = 0x1F;
      h.run(c).assertInvalidCdbField(1);
    }
  }

  @Test
  void deviceErrorsBecomeSense() {
    BlockDevice failing = new CountingDevice(new MemoryBlockDevice(1 << 20, 512)) {
      @Override
      public void read(long lba, int blocks, io.netty.buffer.ByteBuf out) {
        throw new BlockDeviceException(BlockDeviceException.Kind.UNRECOVERED_READ_ERROR, "bad");
      }

      @Override
      public void write(long lba, io.netty.buffer.ByteBuf data, boolean fua) {
        throw new BlockDeviceException(BlockDeviceException.Kind.SPACE_ALLOCATION_FAILED, "full");
      }

      @Override
      public void flush() {
        throw new IllegalStateException("surprise");
      }
    };
    try (Harness h = new Harness(failing)) {
      h.run(Harness.read10(0, 1)).assertSense(Sense.MEDIUM_ERROR, 0x1100);
      h.write(A, Harness.write10(0, 1), new byte[512]).assertSense(Sense.DATA_PROTECT, 0x2707);
      h.run(cdb(0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0)).assertSense(Sense.HARDWARE_ERROR, 0x4400);
    }
  }

  @Test
  void reportLunsListsEveryLun() {
    BlockDeviceLogicalUnits u = new BlockDeviceLogicalUnits(Map.of(
        0L, new MemoryBlockDevice(1 << 20, 512), 3L, new MemoryBlockDevice(1 << 20, 4096)),
        Runnable::run);
    assertEquals(List.of(0L, 3L), u.luns());
    byte[] c = cdb(0xA0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0);
    ScsiResult r = u.execute(new ScsiCommand(A, 5, c, Unpooled.EMPTY_BUFFER, 256, 1, 1)).join();
    assertEquals(ScsiResult.GOOD, r.status());
    assertEquals(16, r.dataIn().getInt(0));
    assertEquals(3L << 48, r.dataIn().getLong(16));
    r.dataIn().release();
    ScsiResult bad = u.execute(new ScsiCommand(A, 0, cdb(0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0),
        Unpooled.EMPTY_BUFFER, 8, 1, 2)).join();
    assertEquals(ScsiResult.CHECK_CONDITION, bad.status());
  }

  @Test
  void reportSupportedOpcodesAllAndOne() {
    try (Harness h = new Harness()) {
      byte[] all = h.run(cdb(0xA3, 0x0C, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0)).data();
      int len = (int) Cdb.u32(all, 0);
      assertEquals(all.length - 4, len);
      boolean sawWrite10 = false;
      for (int off = 4; off < all.length; off += 8) {
        if ((all[off] & 0xFF) == 0x2A) {
          sawWrite10 = true;
          assertEquals(10, Cdb.u16(all, off + 6));
        }
      }
      assertTrue(sawWrite10);
      byte[] one = h.run(cdb(0xA3, 0x0C, 1, 0x2A, 0, 0, 0, 0, 1, 0, 0, 0)).data();
      assertEquals(3, one[1] & 7);
      assertEquals(10, Cdb.u16(one, 2));
      assertEquals(0x2A, one[4] & 0xFF);
      assertEquals(0x18, one[5] & 0x18, "DPO and FUA used");
      byte[] sa = h.run(cdb(0xA3, 0x0C, 2, 0x9E, 0, 0x10, 0, 0, 1, 0, 0, 0)).data();
      assertEquals(16, Cdb.u16(sa, 2));
      h.run(cdb(0xA3, 0x0C, 1, 0x9E, 0, 0x10, 0, 0, 1, 0, 0, 0)).assertInvalidCdbField(2);
      h.run(cdb(0xA3, 0x0C, 2, 0x2A, 0, 0, 0, 0, 1, 0, 0, 0)).assertInvalidCdbField(2);
      byte[] unsupported = h.run(cdb(0xA3, 0x0C, 1, 0xC5, 0, 0, 0, 0, 1, 0, 0, 0)).data();
      assertEquals(1, unsupported[1] & 7);
      byte[] rctd = h.run(cdb(0xA3, 0x0C, 0x80, 0, 0, 0, 0, 0, 0x10, 0, 0, 0)).data();
      assertEquals(0x0A, Cdb.u16(rctd, 4 + 8));
      assertEquals(0x02, rctd[4 + 5] & 0x02, "CTDP");
    }
  }

  @Test
  void startStopAndPreventAllowBehaveAsAFixedDisk() {
    try (Harness h = new Harness()) {
      h.run(cdb(0x1B, 1, 0, 0, 0, 0)).assertGood();
      h.run(cdb(0x1B, 0, 0, 0, 0x01, 0)).assertGood();
      h.run(cdb(0x1B, 0, 0, 0, 0x50, 0)).assertInvalidCdbField(4);
      h.run(cdb(0x1E, 0, 0, 0, 1, 0)).assertGood();
      h.run(cdb(0x1E, 0, 0, 0, 0, 0)).assertGood();
      h.run(cdb(0x1E, 0, 0, 0, 2, 0)).assertInvalidCdbField(4);
      h.run(cdb(0, 0, 0, 0, 0, 0)).assertGood();
    }
  }
}
