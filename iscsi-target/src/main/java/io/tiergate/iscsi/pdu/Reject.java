package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Reject (RFC 7143 section 11.17), sent back with the header of the PDU it refuses.
 *
 * @param reason the reason code (0x02 data digest error, 0x04 protocol error, 0x05 command not
 *     supported, 0x09 invalid PDU field, ...)
 * @param statSn the status sequence number
 * @param expCmdSn the next expected CmdSN
 * @param maxCmdSn the highest CmdSN the window admits
 * @param dataSnOrR2tSn DataSN/R2TSN, 0 unless rejecting a SNACK
 * @param rejectedHeader the 48-byte header of the rejected PDU
 */
public record Reject(int reason, int statSn, int expCmdSn, int maxCmdSn, int dataSnOrR2tSn,
    byte[] rejectedHeader) implements TargetPdu {

  /** Data (payload) digest error. */
  public static final int DATA_DIGEST_ERROR = 0x02;
  /** Protocol error. */
  public static final int PROTOCOL_ERROR = 0x04;
  /** Command not supported. */
  public static final int COMMAND_NOT_SUPPORTED = 0x05;
  /** Immediate command rejected: too many immediate commands. */
  public static final int IMMEDIATE_COMMAND_REJECT = 0x06;
  /** Invalid PDU field. */
  public static final int INVALID_PDU_FIELD = 0x09;
  /** Out of resources: cannot generate a target transfer tag. */
  public static final int LONG_OPERATION_REJECT = 0x0a;

  @Override
  public ByteBuf data() {
    return Unpooled.EMPTY_BUFFER;
  }
}
