package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/**
 * Asynchronous Message (RFC 7143 section 11.9), e.g. a request to log out before shutdown.
 *
 * @param lun the raw LUN field
 * @param statSn the status sequence number
 * @param expCmdSn the next expected CmdSN
 * @param maxCmdSn the highest CmdSN the window admits
 * @param asyncEvent the event code (1 logout request, 2 connection drop, 3 session drop, ...)
 * @param asyncVCode vendor code
 * @param parameter1 event parameter 1
 * @param parameter2 event parameter 2
 * @param parameter3 event parameter 3
 * @param data sense data (with its length) or vendor data
 */
public record AsyncMessage(long lun, int statSn, int expCmdSn, int maxCmdSn, int asyncEvent,
    int asyncVCode, int parameter1, int parameter2, int parameter3, ByteBuf data)
    implements TargetPdu {

  /** Event: the target requests a logout within parameter3 seconds. */
  public static final int EVENT_LOGOUT_REQUEST = 1;
}
