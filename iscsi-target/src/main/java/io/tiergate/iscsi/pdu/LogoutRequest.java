package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Logout Request (RFC 7143 section 11.14).
 *
 * @param bhs raw basic header segment
 * @param immediate the I bit
 * @param reason 0 close the session, 1 close the connection, 2 remove it for recovery
 * @param initiatorTaskTag the initiator task tag
 * @param cid the connection to close
 * @param cmdSn the command sequence number
 * @param expStatSn the expected status sequence number
 */
public record LogoutRequest(byte[] bhs, boolean immediate, int reason, int initiatorTaskTag,
    int cid, int cmdSn, int expStatSn) implements InitiatorPdu {

  @Override
  public ByteBuf data() {
    return Unpooled.EMPTY_BUFFER;
  }
}
