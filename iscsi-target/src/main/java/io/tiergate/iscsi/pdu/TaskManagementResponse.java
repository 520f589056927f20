package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * SCSI Task Management Function Response (RFC 7143 section 11.6).
 *
 * @param response 0 function complete, 1 task does not exist, 2 LUN does not exist, 5 function
 *     not supported, 255 function rejected, and so on
 * @param initiatorTaskTag the request's tag
 * @param statSn the status sequence number
 * @param expCmdSn the next expected CmdSN
 * @param maxCmdSn the highest CmdSN the window admits
 */
public record TaskManagementResponse(int response, int initiatorTaskTag, int statSn,
    int expCmdSn, int maxCmdSn) implements TargetPdu {

  /** Function complete. */
  public static final int FUNCTION_COMPLETE = 0;
  /** Task does not exist. */
  public static final int TASK_DOES_NOT_EXIST = 1;
  /** LUN does not exist. */
  public static final int LUN_DOES_NOT_EXIST = 2;
  /** Task allegiance reassignment not supported. */
  public static final int REASSIGNMENT_NOT_SUPPORTED = 4;
  /** Task management function not supported. */
  public static final int NOT_SUPPORTED = 5;
  /** Function rejected. */
  public static final int REJECTED = 255;

  @Override
  public ByteBuf data() {
    return Unpooled.EMPTY_BUFFER;
  }
}
