package io.tiergate.iscsi.session;

import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;

/**
 * The iSCSI side of one SCSI command on a connection, from its arrival to its status: its tags
 * and, for writes, the buffer its data-out is gathered into and the R2Ts it has outstanding.
 * Event-loop confined.
 *
 * <p>The SCSI layer has its own record of a command being executed ({@code scsi.ScsiTask}),
 * built from the {@link io.tiergate.iscsi.scsi.ScsiCommand} this one hands over once the data
 * is in; transport state stays here, execution state there.
 */
final class IscsiTask {
  final int itt;
  final long lunField;
  final long lun;
  final byte[] cdb;
  final int taskAttribute;
  final boolean read;
  final boolean write;
  final int expectedLength;

  /** Data-out gathered so far, for writes; null once handed to the SCSI layer or released. */
  ByteBuf buffer;
  /** Bytes this task counts against the connection's gathering budget. */
  long gathering;
  /** Bytes of data-out received, in order. */
  int received;
  /** Whether unsolicited Data-Out PDUs (TTT 0xffffffff) are still to come. */
  boolean unsolicitedPending;
  int unsolicitedLimit;
  int unsolicitedDataSn;
  /** Offset of the first byte not yet requested by an R2T (or sent unsolicited). */
  int nextR2tOffset;
  int r2tSn;
  final ArrayDeque<Burst> bursts = new ArrayDeque<>();

  boolean executing;
  boolean aborted;

  IscsiTask(int itt, long lunField, long lun, byte[] cdb, int taskAttribute, boolean read,
      boolean write, int expectedLength) {
    this.itt = itt;
    this.lunField = lunField;
    this.lun = lun;
    this.cdb = cdb;
    this.taskAttribute = taskAttribute;
    this.read = read;
    this.write = write;
    this.expectedLength = expectedLength;
  }

  /** An outstanding R2T: the data it asked for and how much of it has come. */
  static final class Burst {
    final int ttt;
    final int offset;
    final int length;
    int received;
    int nextDataSn;

    Burst(int ttt, int offset, int length) {
      this.ttt = ttt;
      this.offset = offset;
      this.length = length;
    }
  }

  Burst burst(int ttt) {
    for (Burst b : bursts) {
      if (b.ttt == ttt) {
        return b;
      }
    }
    return null;
  }

  /** Releases gathered data that will not be executed. */
  void releaseBuffer() {
    if (buffer != null) {
      buffer.release();
      buffer = null;
    }
  }
}
