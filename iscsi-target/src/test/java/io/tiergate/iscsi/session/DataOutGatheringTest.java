package io.tiergate.iscsi.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.tiergate.iscsi.LeakGuard;
import io.tiergate.iscsi.login.SessionParameters;
import io.tiergate.iscsi.pdu.DataOut;
import io.tiergate.iscsi.pdu.Opcodes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Write gathering on its own: budgets, R2T windows and Data-Out ordering. */
class DataOutGatheringTest {
  static {
    LeakGuard.install();
  }

  final List<IscsiTask> tasks = new ArrayList<>();
  final AtomicInteger ttts = new AtomicInteger(100);

  @AfterEach
  void release() {
    tasks.forEach(IscsiTask::releaseBuffer);
    LeakGuard.assertNoLeaks();
  }

  static SessionParameters params(boolean initialR2T, int firstBurst, int maxBurst,
      int maxR2T) {
    return new SessionParameters(false, "i", null, "t", false, false, 8192, 8192, maxBurst,
        firstBurst, initialR2T, true, maxR2T, 0);
  }

  IscsiTask write(int itt, int length) {
    IscsiTask t = new IscsiTask(itt, 0, 0, new byte[16], 0, false, true, length);
    tasks.add(t);
    return t;
  }

  static DataOut dataOut(int itt, int ttt, int dataSn, int offset, int length, boolean last) {
    return new DataOut(new byte[48], last, 0, itt, ttt, 0, dataSn, offset,
        Unpooled.wrappedBuffer(new byte[length]));
  }

  DataOutGathering.Start start(DataOutGathering g, IscsiTask t, int immediate, boolean last) {
    ByteBuf data = Unpooled.wrappedBuffer(new byte[immediate]);
    try {
      return g.start(t, data, last, UnpooledByteBufAllocator.DEFAULT);
    } finally {
      data.release();
    }
  }

  @Test
  void refusesWritesPastTheTransferLimitOrTheBudget() {
    DataOutGathering g = new DataOutGathering(params(true, 4096, 8192, 2), 10_000, 8192);
    assertEquals(DataOutGathering.Start.TOO_LONG, start(g, write(1, 8193), 0, true));
    assertEquals(DataOutGathering.Start.TOO_LONG, start(g, write(2, -1), 0, true));
    IscsiTask first = write(3, 8192);
    assertEquals(DataOutGathering.Start.GATHERING, start(g, first, 0, true));
    assertEquals(8192, g.gatheringBytes());
    assertEquals(DataOutGathering.Start.BUDGET_FULL, start(g, write(4, 4096), 0, true));
    g.stop(first);
    assertEquals(0, g.gatheringBytes());
    assertEquals(DataOutGathering.Start.GATHERING, start(g, write(5, 4096), 0, true));
  }

  @Test
  void solicitsAtMostMaxOutstandingR2TBurstsAfterTheUnsolicitedData() {
    DataOutGathering g = new DataOutGathering(params(false, 4096, 8192, 2), 1 << 20, 1 << 20);
    IscsiTask t = write(7, 40_000);
    assertEquals(DataOutGathering.Start.GATHERING, start(g, t, 1024, false));
    assertTrue(g.solicit(t, ttts::getAndIncrement).isEmpty(), "unsolicited data first");
    assertEquals(DataOutGathering.Accepted.TAKEN,
        g.accept(t, dataOut(7, Opcodes.RESERVED_TAG, 0, 1024, 3072, true)));
    List<DataOutGathering.Solicit> r2ts = g.solicit(t, ttts::getAndIncrement);
    assertEquals(List.of(new DataOutGathering.Solicit(100, 0, 4096, 8192),
        new DataOutGathering.Solicit(101, 1, 12288, 8192)), r2ts);
    assertTrue(g.solicit(t, ttts::getAndIncrement).isEmpty(), "window full");
    assertEquals(DataOutGathering.Accepted.TAKEN, g.accept(t, dataOut(7, 100, 0, 4096, 8192,
        true)));
    assertEquals(List.of(new DataOutGathering.Solicit(102, 2, 20480, 8192)),
        g.solicit(t, ttts::getAndIncrement));
    assertFalse(g.complete(t));
  }

  @Test
  void dataOutOutOfOrderIsNamedByWhatWentWrong() {
    DataOutGathering g = new DataOutGathering(params(false, 4096, 8192, 1), 1 << 20, 1 << 20);
    IscsiTask t = write(9, 8192);
    start(g, t, 512, false);
    assertEquals(DataOutGathering.Accepted.SEQUENCE_ERROR,
        g.accept(t, dataOut(9, Opcodes.RESERVED_TAG, 1, 512, 512, false)), "DataSN skipped");
    assertEquals(DataOutGathering.Accepted.OFFSET_ERROR,
        g.accept(t, dataOut(9, Opcodes.RESERVED_TAG, 0, 1024, 512, false)));
    assertEquals(DataOutGathering.Accepted.SEQUENCE_ERROR,
        g.accept(t, dataOut(9, Opcodes.RESERVED_TAG, 0, 512, 4096, false)),
        "past FirstBurstLength");
    assertEquals(DataOutGathering.Accepted.TAKEN,
        g.accept(t, dataOut(9, Opcodes.RESERVED_TAG, 0, 512, 3584, false)));
    assertEquals(DataOutGathering.Accepted.PROTOCOL_ERROR,
        g.accept(t, dataOut(9, Opcodes.RESERVED_TAG, 1, 4096, 512, false)),
        "unsolicited data is over");
    assertEquals(DataOutGathering.Accepted.UNKNOWN_TRANSFER_TAG,
        g.accept(t, dataOut(9, 555, 0, 4096, 512, false)));
    DataOutGathering.Solicit r2t = g.solicit(t, ttts::getAndIncrement).get(0);
    assertEquals(DataOutGathering.Accepted.TAKEN,
        g.accept(t, dataOut(9, r2t.ttt(), 0, 4096, 4096, true)));
    assertTrue(g.complete(t));
    assertEquals(8192, t.buffer.readableBytes());
  }

  @Test
  void aRunningTaskTakesNoMoreData() {
    DataOutGathering g = new DataOutGathering(params(true, 4096, 8192, 1), 1 << 20, 1 << 20);
    IscsiTask t = write(11, 4096);
    start(g, t, 0, true);
    t.executing = true;
    assertEquals(DataOutGathering.Accepted.PROTOCOL_ERROR, g.accept(t, dataOut(11, 1, 0, 0,
        512, true)));
    t.releaseBuffer();
    assertNull(t.buffer);
  }
}
