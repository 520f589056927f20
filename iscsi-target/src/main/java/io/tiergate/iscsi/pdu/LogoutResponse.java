package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Logout Response (RFC 7143 section 11.15).
 *
 * @param response 0 closed successfully, 1 CID not found, 2 recovery not supported, 3 cleanup
 *     failed
 * @param initiatorTaskTag the request's tag
 * @param statSn the status sequence number
 * @param expCmdSn the next expected CmdSN
 * @param maxCmdSn the highest CmdSN the window admits
 * @param time2Wait seconds to wait before reconnecting
 * @param time2Retain seconds the target keeps connection state
 */
public record LogoutResponse(int response, int initiatorTaskTag, int statSn, int expCmdSn,
    int maxCmdSn, int time2Wait, int time2Retain) implements TargetPdu {

  @Override
  public ByteBuf data() {
    return Unpooled.EMPTY_BUFFER;
  }
}
