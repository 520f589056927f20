package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * SNACK Request (RFC 7143 section 11.16); only meaningful above ErrorRecoveryLevel 0.
 *
 * @param bhs raw basic header segment
 * @param type the SNACK type
 * @param initiatorTaskTag the initiator task tag
 */
public record SnackRequest(byte[] bhs, int type, int initiatorTaskTag) implements InitiatorPdu {

  @Override
  public ByteBuf data() {
    return Unpooled.EMPTY_BUFFER;
  }
}
