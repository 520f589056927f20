package io.tiergate.iscsi.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.tiergate.iscsi.LeakGuard;
import io.tiergate.iscsi.login.SessionParameters;
import io.tiergate.iscsi.pdu.DataIn;
import io.tiergate.iscsi.pdu.ScsiResponse;
import io.tiergate.iscsi.pdu.TargetPdu;
import io.tiergate.iscsi.scsi.ScsiResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Data-In sequences on their own: segments, bursts, the status bit and residuals. */
class DataInSenderTest {
  static {
    LeakGuard.install();
  }

  final List<TargetPdu> sent = new ArrayList<>();
  final AtomicInteger statSn = new AtomicInteger(50);
  final DataInSender sender = new DataInSender(new SessionParameters(false, "i", null, "t",
      false, false, 1000, 8192, 2500, 2500, true, true, 1, 0));

  @AfterEach
  void release() {
    sent.forEach(TargetPdu::release);
    LeakGuard.assertNoLeaks();
  }

  static IscsiTask read(int expected) {
    return new IscsiTask(5, 0, 0, new byte[16], 0, true, false, expected);
  }

  @Test
  void cutsIntoSegmentsAndBurstsAndCarriesGoodStatusOnTheLast() {
    sender.send(read(6000), new ScsiResult(ScsiResult.GOOD, new byte[0],
        Unpooled.wrappedBuffer(new byte[6000]), 6000), sent::add, statSn::getAndIncrement, 3, 9);
    List<Integer> lengths = new ArrayList<>();
    List<Boolean> finals = new ArrayList<>();
    for (TargetPdu p : sent) {
      DataIn d = (DataIn) p;
      lengths.add(d.data().readableBytes());
      finals.add(d.finalFlag());
    }
    // Segments of at most 1000 bytes, and a burst ends at every 2500.
    assertEquals(List.of(1000, 1000, 500, 1000, 1000, 500, 1000), lengths);
    assertEquals(List.of(false, false, true, false, false, true, true), finals);
    DataIn last = (DataIn) sent.get(sent.size() - 1);
    assertTrue(last.statusPresent());
    assertEquals(50, last.statSn());
    assertEquals(6, last.dataSn());
    assertEquals(5000, last.bufferOffset());
    assertFalse(((DataIn) sent.get(0)).statusPresent());
    assertEquals(51, statSn.get(), "one StatSN for the one status");
  }

  @Test
  void moreDataThanExpectedIsAnOverflowAndLessAnUnderflow() {
    sender.send(read(512), new ScsiResult(ScsiResult.GOOD, new byte[0],
        Unpooled.wrappedBuffer(new byte[800]), 800), sent::add, statSn::getAndIncrement, 3, 9);
    DataIn over = (DataIn) sent.get(0);
    assertEquals(512, over.data().readableBytes());
    assertTrue(over.overflow());
    assertEquals(288, over.residualCount());
    sender.send(read(4096), new ScsiResult(ScsiResult.GOOD, new byte[0],
        Unpooled.wrappedBuffer(new byte[96]), 96), sent::add, statSn::getAndIncrement, 3, 9);
    DataIn under = (DataIn) sent.get(1);
    assertTrue(under.underflow());
    assertEquals(4000, under.residualCount());
  }

  @Test
  void checkConditionComesInAScsiResponseWithItsSense() {
    byte[] sense = {0x70, 0, 0x05};
    sender.send(read(512), new ScsiResult(ScsiResult.CHECK_CONDITION, sense,
        Unpooled.wrappedBuffer(new byte[512]), 512), sent::add, statSn::getAndIncrement, 3, 9);
    assertEquals(2, sent.size());
    assertFalse(((DataIn) sent.get(0)).statusPresent());
    ScsiResponse response = (ScsiResponse) sent.get(1);
    assertEquals(ScsiResult.CHECK_CONDITION, response.status());
    assertEquals(sense, response.sense());
    assertEquals(1, response.expDataSn());
    assertEquals(50, response.statSn());
  }
}
