package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * SCSI Task Management Function Request (RFC 7143 section 11.5).
 *
 * @param bhs raw basic header segment
 * @param immediate the I bit
 * @param function the function code (1 ABORT TASK ... 8 TASK REASSIGN)
 * @param lun the raw 64-bit LUN field
 * @param initiatorTaskTag the initiator task tag of this request
 * @param referencedTaskTag the tag of the task to abort (ABORT TASK)
 * @param cmdSn the command sequence number
 * @param expStatSn the expected status sequence number
 * @param refCmdSn the CmdSN of the referenced task
 * @param expDataSn the expected DataSN
 */
public record TaskManagementRequest(byte[] bhs, boolean immediate, int function, long lun,
    int initiatorTaskTag, int referencedTaskTag, int cmdSn, int expStatSn, int refCmdSn,
    int expDataSn) implements InitiatorPdu {

  /** ABORT TASK. */
  public static final int ABORT_TASK = 1;
  /** ABORT TASK SET. */
  public static final int ABORT_TASK_SET = 2;
  /** CLEAR ACA. */
  public static final int CLEAR_ACA = 3;
  /** CLEAR TASK SET. */
  public static final int CLEAR_TASK_SET = 4;
  /** LOGICAL UNIT RESET. */
  public static final int LOGICAL_UNIT_RESET = 5;
  /** TARGET WARM RESET. */
  public static final int TARGET_WARM_RESET = 6;
  /** TARGET COLD RESET. */
  public static final int TARGET_COLD_RESET = 7;
  /** TASK REASSIGN. */
  public static final int TASK_REASSIGN = 8;

  @Override
  public ByteBuf data() {
    return Unpooled.EMPTY_BUFFER;
  }
}
