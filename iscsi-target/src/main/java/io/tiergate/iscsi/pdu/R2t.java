package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Ready To Transfer (RFC 7143 section 11.8): asks for one burst of a write's data.
 *
 * @param lun the raw LUN field
 * @param initiatorTaskTag the command's tag
 * @param targetTransferTag the tag the initiator's Data-Out PDUs must carry
 * @param statSn the current status sequence number (not advanced)
 * @param expCmdSn the next expected CmdSN
 * @param maxCmdSn the highest CmdSN the window admits
 * @param r2tSn the R2T's number within the command
 * @param bufferOffset where the requested data starts
 * @param desiredDataTransferLength how many bytes are requested
 */
public record R2t(long lun, int initiatorTaskTag, int targetTransferTag, int statSn,
    int expCmdSn, int maxCmdSn, int r2tSn, int bufferOffset, int desiredDataTransferLength)
    implements TargetPdu {

  @Override
  public ByteBuf data() {
    return Unpooled.EMPTY_BUFFER;
  }
}
