package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * SCSI Response (RFC 7143 section 11.4).
 *
 * @param initiatorTaskTag the command's tag
 * @param response 0x00 command completed at target, 0x01 target failure
 * @param status the SAM status
 * @param overflow the O bit
 * @param underflow the U bit
 * @param residualCount the residual count
 * @param statSn the status sequence number
 * @param expCmdSn the next expected CmdSN
 * @param maxCmdSn the highest CmdSN the window admits
 * @param expDataSn number of Data-In PDUs sent for the command
 * @param sense sense data (sent with its two-byte length), empty for none
 */
public record ScsiResponse(int initiatorTaskTag, int response, int status, boolean overflow,
    boolean underflow, int residualCount, int statSn, int expCmdSn, int maxCmdSn, int expDataSn,
    byte[] sense) implements TargetPdu {

  @Override
  public ByteBuf data() {
    return Unpooled.EMPTY_BUFFER;
  }
}
