package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/**
 * NOP-In (RFC 7143 section 11.19): the answer to a NOP-Out ping (initiator task tag echoed,
 * target transfer tag 0xffffffff), or a target ping (initiator task tag 0xffffffff, a target
 * transfer tag the initiator echoes).
 *
 * @param lun the raw LUN field
 * @param initiatorTaskTag the initiator task tag
 * @param targetTransferTag the target transfer tag
 * @param statSn the status sequence number
 * @param expCmdSn the next expected CmdSN
 * @param maxCmdSn the highest CmdSN the window admits
 * @param data ping data
 */
public record NopIn(long lun, int initiatorTaskTag, int targetTransferTag, int statSn,
    int expCmdSn, int maxCmdSn, ByteBuf data) implements TargetPdu {}
