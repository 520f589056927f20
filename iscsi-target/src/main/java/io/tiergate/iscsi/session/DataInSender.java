package io.tiergate.iscsi.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tiergate.iscsi.login.SessionParameters;
import io.tiergate.iscsi.pdu.DataIn;
import io.tiergate.iscsi.pdu.ScsiResponse;
import io.tiergate.iscsi.pdu.TargetPdu;
import io.tiergate.iscsi.scsi.ScsiResult;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * Turns a command's result into the PDUs that answer it (RFC 7143 sections 11.4 and 11.7):
 * the data-in cut into Data-In PDUs of at most the initiator's MaxRecvDataSegmentLength, with
 * F set at every MaxBurstLength; when the status is GOOD without sense it rides on the last
 * one (S bit), otherwise a SCSI Response follows. Residuals are exact: overflow when the
 * command asked for, or produced, more than ExpectedDataTransferLength, underflow when it
 * moved less.
 */
final class DataInSender {
  private final SessionParameters params;

  /** A sender for one session's negotiated segment and burst lengths. */
  DataInSender(SessionParameters params) {
    this.params = params;
  }

  /**
   * Hands the answer's PDUs to {@code out} in order; takes over the result's data-in buffer
   * (each Data-In holds a retained slice of it).
   *
   * @param statSn hands out the next StatSN; called once, for the PDU that carries the status
   * @param expCmdSn the ExpCmdSN to report
   * @param maxCmdSn the MaxCmdSN to report
   */
  void send(IscsiTask task, ScsiResult result, Consumer<TargetPdu> out, IntSupplier statSn,
      int expCmdSn, int maxCmdSn) {
    ByteBuf in = result.dataIn() != null ? result.dataIn() : Unpooled.EMPTY_BUFFER;
    try {
      long expected = Integer.toUnsignedLong(task.expectedLength);
      long requested = result.commandTransferLength();
      int available = in.readableBytes();
      int send = task.read ? (int) Math.min(available, expected) : 0;
      long residual;
      boolean overflow = false;
      boolean underflow = false;
      if (requested > expected) {
        overflow = true;
        residual = requested - expected;
      } else if (task.read && available > expected) {
        overflow = true;
        residual = available - expected;
      } else {
        long moved = task.write && !task.read ? Math.max(requested, 0) : send;
        residual = expected - moved;
        underflow = residual > 0;
      }
      int residualCount = (int) Math.min(residual, 0xffffffffL);
      byte[] sense = result.sense() != null ? result.sense() : new byte[0];
      boolean collapse = result.status() == ScsiResult.GOOD && sense.length == 0;
      int burst = params.maxBurstLength();
      int maxSegment = Math.min(params.initiatorMaxRecvDataSegmentLength(), burst);
      int dataSn = 0;
      int offset = 0;
      while (offset < send) {
        int length = Math.min(Math.min(maxSegment, burst - (offset % burst)), send - offset);
        boolean last = offset + length == send;
        boolean status = last && collapse;
        boolean endOfBurst = last || (offset + length) % burst == 0;
        out.accept(new DataIn(endOfBurst, status, status ? result.status() : 0,
            status && overflow, status && underflow, status ? residualCount : 0, task.lunField,
            task.itt, status ? statSn.getAsInt() : 0, expCmdSn, maxCmdSn, dataSn++, offset,
            in.retainedSlice(in.readerIndex() + offset, length)));
        offset += length;
      }
      if (send == 0 || !collapse) {
        out.accept(new ScsiResponse(task.itt, 0x00, result.status(), overflow, underflow,
            residualCount, statSn.getAsInt(), expCmdSn, maxCmdSn, dataSn, sense));
      }
    } finally {
      in.release();
    }
  }
}
