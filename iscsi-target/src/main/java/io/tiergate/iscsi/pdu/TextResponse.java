package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/**
 * Text Response (RFC 7143 section 11.11).
 *
 * @param finalFlag the F bit
 * @param continueFlag the C bit: more text follows in the next response
 * @param lun the raw LUN field
 * @param initiatorTaskTag the request's tag
 * @param targetTransferTag 0xffffffff when final, else a tag the initiator echoes to continue
 * @param statSn the status sequence number
 * @param expCmdSn the next expected CmdSN
 * @param maxCmdSn the highest CmdSN the window admits
 * @param data the text keys
 */
public record TextResponse(boolean finalFlag, boolean continueFlag, long lun,
    int initiatorTaskTag, int targetTransferTag, int statSn, int expCmdSn, int maxCmdSn,
    ByteBuf data) implements TargetPdu {}
