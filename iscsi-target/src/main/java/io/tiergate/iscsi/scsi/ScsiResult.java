package io.tiergate.iscsi.scsi;

import io.netty.buffer.ByteBuf;

/**
 * The outcome of a SCSI command, for the session to send back.
 *
 * @param status the SAM status byte (0x00 GOOD, 0x02 CHECK CONDITION, 0x08 BUSY,
 *     0x18 RESERVATION CONFLICT, 0x28 TASK SET FULL, 0x40 TASK ABORTED)
 * @param sense fixed-format sense data for CHECK CONDITION, otherwise an empty array
 * @param dataIn data-in bytes, possibly empty; ownership passes to the session, which sends at
 *     most ExpectedDataTransferLength of them and releases the buffer
 * @param commandTransferLength how many bytes the CDB itself asked to move (data-in allocation
 *     or transfer length, or data-out transfer length), so that the session can report exact
 *     overflow and underflow residuals; -1 when the CDB moves no data
 */
public record ScsiResult(int status, byte[] sense, ByteBuf dataIn, long commandTransferLength) {

  /** SAM status GOOD. */
  public static final int GOOD = 0x00;
  /** SAM status CHECK CONDITION. */
  public static final int CHECK_CONDITION = 0x02;
  /** SAM status BUSY. */
  public static final int BUSY = 0x08;
  /** SAM status RESERVATION CONFLICT. */
  public static final int RESERVATION_CONFLICT = 0x18;
  /** SAM status TASK SET FULL. */
  public static final int TASK_SET_FULL = 0x28;
  /** SAM status TASK ABORTED: the session drops such a result instead of sending it. */
  public static final int TASK_ABORTED = 0x40;
}
