package io.tiergate.iscsi.scsi;

import io.netty.buffer.Unpooled;
import io.tiergate.iscsi.spi.BlockDeviceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become SCSI status and sense data: {@link ScsiException} from
 * the command handlers, {@link BlockDeviceException} from the storage, and anything unexpected
 * (logged, then answered with HARDWARE ERROR so that the initiator retries or fails cleanly),
 * and the conditions the session layer finds in a command's transfer before or instead of
 * running it ({@link #transportSense}).
 */
public final class ErrorMapper {

  private static final Logger LOG = LoggerFactory.getLogger(ErrorMapper.class);
  private static final byte[] NO_SENSE = new byte[0];

  private ErrorMapper() {}

  /** Conditions of a command's data transfer that end it with CHECK CONDITION. */
  public enum TransportCondition {
    /** ExpectedDataTransferLength is more than the target lets one command move. */
    TRANSFER_TOO_LONG,
    /** Data-Out out of sequence (DataSN or length): ABORTED COMMAND, DATA PHASE ERROR. */
    DATA_PHASE_ERROR,
    /** Data-Out at the wrong buffer offset: ABORTED COMMAND, DATA OFFSET ERROR. */
    DATA_OFFSET_ERROR
  }

  /** Fixed-format sense data for a transfer condition. */
  public static byte[] transportSense(TransportCondition condition) {
    switch (condition) {
      case TRANSFER_TOO_LONG:
        return Sense.fixed(Sense.ILLEGAL_REQUEST, 0x24, 0x00);
      case DATA_OFFSET_ERROR:
        return Sense.fixed(Sense.ABORTED_COMMAND, 0x4B, 0x05);
      case DATA_PHASE_ERROR:
      default:
        return Sense.fixed(Sense.ABORTED_COMMAND, 0x4B, 0x00);
    }
  }

  /** The result for a failure of a command that asked to move {@code transferLength} bytes. */
  static ScsiResult toResult(Throwable failure, long transferLength) {
    Throwable t = failure;
    while ((t instanceof java.util.concurrent.CompletionException
        || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof ScsiException e) {
      return fromScsi(e, transferLength);
    }
    if (t instanceof BlockDeviceException e) {
      return fromScsi(fromDevice(e), transferLength);
    }
    LOG.error("unexpected failure in SCSI command", t);
    return fromScsi(ScsiException.check(Sense.HARDWARE_ERROR, 0x44, 0x00), transferLength);
  }

  static ScsiResult fromScsi(ScsiException e, long transferLength) {
    if (e.status != ScsiResult.CHECK_CONDITION) {
      return new ScsiResult(e.status, NO_SENSE, Unpooled.EMPTY_BUFFER, transferLength);
    }
    byte[] sense = Sense.fixed(e.senseKey, e.asc, e.ascq, e.information, e.fieldPointer,
        e.bitPointer, e.inCdb);
    return new ScsiResult(ScsiResult.CHECK_CONDITION, sense, Unpooled.EMPTY_BUFFER, transferLength);
  }

  /** Maps a storage failure kind to SBC-4 sense. */
  static ScsiException fromDevice(BlockDeviceException e) {
    switch (e.kind()) {
      case UNRECOVERED_READ_ERROR:
        LOG.warn("unrecovered read error: {}", e.getMessage());
        return ScsiException.check(Sense.MEDIUM_ERROR, 0x11, 0x00);
      case WRITE_ERROR:
        LOG.warn("write error: {}", e.getMessage());
        return ScsiException.check(Sense.MEDIUM_ERROR, 0x0C, 0x00);
      case SPACE_ALLOCATION_FAILED:
        return ScsiException.check(Sense.DATA_PROTECT, 0x27, 0x07);
      case LBA_OUT_OF_RANGE:
        return ScsiException.lbaOutOfRange();
      case WRITE_PROTECTED:
        return ScsiException.check(Sense.DATA_PROTECT, 0x27, 0x00);
      case NOT_READY:
        return ScsiException.check(Sense.NOT_READY, 0x04, 0x01);
      default:
        return ScsiException.check(Sense.HARDWARE_ERROR, 0x44, 0x00);
    }
  }
}
