package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/**
 * SCSI Data-In (RFC 7143 section 11.7). With {@code statusPresent} the PDU also carries the
 * command's status and residuals (status phase collapse), and its StatSN counts.
 *
 * @param finalFlag the F bit: last PDU of a sequence
 * @param statusPresent the S bit
 * @param status the SAM status, meaningful with S
 * @param overflow the O bit, meaningful with S
 * @param underflow the U bit, meaningful with S
 * @param residualCount the residual count, meaningful with S
 * @param lun the raw LUN field
 * @param initiatorTaskTag the command's tag
 * @param statSn the status sequence number, meaningful with S
 * @param expCmdSn the next expected CmdSN
 * @param maxCmdSn the highest CmdSN the window admits
 * @param dataSn the PDU's number within the command's Data-In PDUs
 * @param bufferOffset the offset of the data in the command's data-in buffer
 * @param data the data
 */
public record DataIn(boolean finalFlag, boolean statusPresent, int status, boolean overflow,
    boolean underflow, int residualCount, long lun, int initiatorTaskTag, int statSn,
    int expCmdSn, int maxCmdSn, int dataSn, int bufferOffset, ByteBuf data)
    implements TargetPdu {}
