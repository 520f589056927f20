package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/**
 * NOP-Out (RFC 7143 section 11.18): a ping from the initiator (tag not 0xffffffff) or its
 * answer to a target's NOP-In (target transfer tag not 0xffffffff).
 *
 * @param bhs raw basic header segment
 * @param immediate the I bit
 * @param lun the raw 64-bit LUN field
 * @param initiatorTaskTag the initiator task tag
 * @param targetTransferTag the target transfer tag
 * @param cmdSn the command sequence number
 * @param expStatSn the expected status sequence number
 * @param data the ping data
 */
public record NopOut(byte[] bhs, boolean immediate, long lun, int initiatorTaskTag,
    int targetTransferTag, int cmdSn, int expStatSn, ByteBuf data) implements InitiatorPdu {}
