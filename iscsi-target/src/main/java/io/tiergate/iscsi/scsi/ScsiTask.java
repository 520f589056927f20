package io.tiergate.iscsi.scsi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tiergate.iscsi.spi.BlockDevice;

/**
 * The SCSI side of one command in flight: the command as received, the logical unit it
 * addresses, and what the handler learned while decoding it (the transfer length it asked
 * for). Also the abort flag the task management functions set.
 *
 * <p>The session layer keeps its own record of the same command, {@code session.IscsiTask}:
 * tags, sequence numbers and the data-out being gathered, which exist before this one does and
 * which this layer never sees. The two meet only through {@link ScsiCommand} and
 * {@link ScsiResult}.
 */
final class ScsiTask {

  private static final byte[] NO_SENSE = new byte[0];

  final ScsiCommand command;
  final LogicalUnit lu;
  final byte[] cdb;
  /** Bytes the CDB asks to move; set by the handler once decoded, -1 when none. */
  long transferLength = -1;
  volatile boolean aborted;

  ScsiTask(ScsiCommand command, LogicalUnit lu) {
    this.command = command;
    this.lu = lu;
    byte[] c = command.cdb();
    // Pad short CDBs so that field access beyond a truncated CDB reads zero, not garbage.
    this.cdb = c.length >= 16 ? c : java.util.Arrays.copyOf(c, 16);
  }

  int opcode() {
    return cdb[0] & 0xFF;
  }

  ItNexus nexus() {
    return command.nexus();
  }

  BlockDevice device() {
    return lu.device;
  }

  ByteBuf dataOut() {
    ByteBuf d = command.dataOut();
    return d == null ? Unpooled.EMPTY_BUFFER : d;
  }

  /** The data-out bytes, at most {@code max} of them, as an array (for parameter lists). */
  byte[] parameterList(int max) {
    ByteBuf d = dataOut();
    int n = Math.min(max, d.readableBytes());
    byte[] out = new byte[n];
    d.getBytes(d.readerIndex(), out);
    return out;
  }

  /** GOOD with no data. */
  ScsiResult good() {
    return new ScsiResult(ScsiResult.GOOD, NO_SENSE, Unpooled.EMPTY_BUFFER, transferLength);
  }

  /**
   * GOOD with {@code data} cut to {@code allocationLength}: the CDB asked for
   * {@code allocationLength} bytes.
   */
  ScsiResult dataIn(byte[] data, int allocationLength) {
    transferLength = allocationLength;
    int n = Math.min(data.length, allocationLength);
    return new ScsiResult(ScsiResult.GOOD, NO_SENSE, Unpooled.wrappedBuffer(data, 0, n),
        allocationLength);
  }

  /** GOOD with a data-in buffer whose ownership passes on. */
  ScsiResult dataIn(ByteBuf data) {
    return new ScsiResult(ScsiResult.GOOD, NO_SENSE, data, transferLength);
  }
}
