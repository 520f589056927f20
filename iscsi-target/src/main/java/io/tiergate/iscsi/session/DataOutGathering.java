package io.tiergate.iscsi.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.tiergate.iscsi.login.SessionParameters;
import io.tiergate.iscsi.pdu.DataOut;
import io.tiergate.iscsi.pdu.Opcodes;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * Gathers the data-out of one connection's writes (RFC 7143 sections 4.2.5 and 11.7): a
 * write's immediate data, unsolicited Data-Out (InitialR2T=No, up to FirstBurstLength) and the
 * bursts that R2Ts solicit (up to MaxBurstLength each, at most MaxOutstandingR2T at a time),
 * copied into one buffer of ExpectedDataTransferLength bytes and checked for order (DataSN,
 * buffer offset) on the way.
 *
 * <p>State only: it neither reads nor writes the channel. It says which R2Ts to send and what
 * each Data-Out did, and the connection sends and answers. Memory: the data being gathered on
 * one connection is bounded by a budget; past it a new write is refused before any of its data
 * is taken. Event-loop confined, like the connection.
 */
final class DataOutGathering {

  /** What became of a write that carries data. */
  enum Start {
    /** Its buffer is allocated and holds the immediate data. */
    GATHERING,
    /** ExpectedDataTransferLength is more than any one command may move. */
    TOO_LONG,
    /** The connection's budget for data being gathered is spent. */
    BUDGET_FULL
  }

  /** What a Data-Out did. */
  enum Accepted {
    /** Its data is in the task's buffer. */
    TAKEN,
    /** The task expects no Data-Out now (not a write, already running, no unsolicited data). */
    PROTOCOL_ERROR,
    /** Its target transfer tag names no outstanding R2T of the task. */
    UNKNOWN_TRANSFER_TAG,
    /** DataSN or length out of sequence at the right offset. */
    SEQUENCE_ERROR,
    /** Its buffer offset is not where the data gathered so far ends. */
    OFFSET_ERROR
  }

  /**
   * An R2T to send.
   *
   * @param ttt the target transfer tag the Data-Out will echo
   * @param r2tSn the R2T's sequence number within the task
   * @param offset buffer offset of the data asked for
   * @param length bytes asked for
   */
  record Solicit(int ttt, int r2tSn, int offset, int length) {}

  private final SessionParameters params;
  private final long budget;
  private final int maxTransferLength;
  private long gathering;

  /**
   * Gathering for one session.
   *
   * @param params the session's negotiated parameters
   * @param budget bytes of data-out that may be gathered at once on the connection
   * @param maxTransferLength the largest ExpectedDataTransferLength a write may have
   */
  DataOutGathering(SessionParameters params, long budget, int maxTransferLength) {
    this.params = params;
    this.budget = budget;
    this.maxTransferLength = maxTransferLength;
  }

  /** Bytes counted against the budget now. */
  long gatheringBytes() {
    return gathering;
  }

  /**
   * Starts gathering a write's data: allocates its buffer and takes the immediate data (which
   * the caller checked against ImmediateData and FirstBurstLength).
   *
   * @param task a write whose ExpectedDataTransferLength is not 0
   * @param immediate the command PDU's data segment (not released here)
   * @param finalFlag the command PDU's F bit: no unsolicited Data-Out follows when set
   */
  Start start(IscsiTask task, ByteBuf immediate, boolean finalFlag, ByteBufAllocator alloc) {
    int expected = task.expectedLength;
    if (expected < 0 || expected > maxTransferLength) {
      return Start.TOO_LONG;
    }
    if (gathering + expected > budget) {
      return Start.BUDGET_FULL;
    }
    gathering += expected;
    task.gathering = expected;
    task.buffer = alloc.directBuffer(expected, expected);
    task.buffer.writeBytes(immediate, immediate.readerIndex(), immediate.readableBytes());
    task.received = immediate.readableBytes();
    task.unsolicitedLimit = Math.min(params.firstBurstLength(), expected);
    task.unsolicitedPending = !params.initialR2T() && !finalFlag
        && task.received < task.unsolicitedLimit;
    task.nextR2tOffset = task.unsolicitedPending ? task.unsolicitedLimit : task.received;
    return Start.GATHERING;
  }

  /** Whether all of the task's data is in and no R2T is outstanding. */
  boolean complete(IscsiTask task) {
    return task.received == task.expectedLength && task.bursts.isEmpty();
  }

  /**
   * The R2Ts to send now, recorded as outstanding: as many as MaxOutstandingR2T allows for the
   * data not yet asked for; none while unsolicited data is still to come.
   *
   * @param ttts source of fresh target transfer tags
   */
  List<Solicit> solicit(IscsiTask task, IntSupplier ttts) {
    List<Solicit> out = new ArrayList<>();
    if (task.unsolicitedPending) {
      return out;
    }
    while (task.bursts.size() < params.maxOutstandingR2T()
        && task.nextR2tOffset < task.expectedLength) {
      int length = Math.min(params.maxBurstLength(), task.expectedLength - task.nextR2tOffset);
      int ttt = ttts.getAsInt();
      task.bursts.add(new IscsiTask.Burst(ttt, task.nextR2tOffset, length));
      out.add(new Solicit(ttt, task.r2tSn++, task.nextR2tOffset, length));
      task.nextR2tOffset += length;
    }
    return out;
  }

  /** Takes one Data-Out of the task into its buffer, or says why not. */
  Accepted accept(IscsiTask task, DataOut pdu) {
    if (task.buffer == null || task.executing) {
      return Accepted.PROTOCOL_ERROR;
    }
    ByteBuf data = pdu.data();
    int length = data.readableBytes();
    if (pdu.targetTransferTag() == Opcodes.RESERVED_TAG) {
      if (!task.unsolicitedPending) {
        return Accepted.PROTOCOL_ERROR;
      }
      if (pdu.dataSn() != task.unsolicitedDataSn || pdu.bufferOffset() != task.received
          || task.received + length > task.unsolicitedLimit) {
        return outOfSequence(task, pdu);
      }
      task.unsolicitedDataSn++;
      task.buffer.writeBytes(data, data.readerIndex(), length);
      task.received += length;
      if (pdu.finalFlag() || task.received == task.unsolicitedLimit) {
        task.unsolicitedPending = false;
        task.nextR2tOffset = task.received;
      }
      return Accepted.TAKEN;
    }
    IscsiTask.Burst burst = task.burst(pdu.targetTransferTag());
    if (burst == null) {
      return Accepted.UNKNOWN_TRANSFER_TAG;
    }
    if (pdu.dataSn() != burst.nextDataSn || pdu.bufferOffset() != burst.offset + burst.received
        || pdu.bufferOffset() != task.received || burst.received + length > burst.length) {
      return outOfSequence(task, pdu);
    }
    burst.nextDataSn++;
    task.buffer.writeBytes(data, data.readerIndex(), length);
    task.received += length;
    burst.received += length;
    if (burst.received == burst.length) {
      task.bursts.remove(burst);
    }
    return Accepted.TAKEN;
  }

  private static Accepted outOfSequence(IscsiTask task, DataOut pdu) {
    return pdu.bufferOffset() != task.received ? Accepted.OFFSET_ERROR
        : Accepted.SEQUENCE_ERROR;
  }

  /** Stops counting the task's data against the budget: it runs, is refused or aborted. */
  void stop(IscsiTask task) {
    gathering -= task.gathering;
    task.gathering = 0;
  }
}
