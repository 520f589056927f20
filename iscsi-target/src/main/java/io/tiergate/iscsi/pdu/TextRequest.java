package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/**
 * Text Request (RFC 7143 section 11.10).
 *
 * @param bhs raw basic header segment
 * @param immediate the I bit
 * @param finalFlag the F bit
 * @param continueFlag the C bit
 * @param lun the raw LUN field
 * @param initiatorTaskTag the initiator task tag
 * @param targetTransferTag 0xffffffff, or the tag of a continued response
 * @param cmdSn the command sequence number
 * @param expStatSn the expected status sequence number
 * @param data the text keys
 */
public record TextRequest(byte[] bhs, boolean immediate, boolean finalFlag,
    boolean continueFlag, long lun, int initiatorTaskTag, int targetTransferTag, int cmdSn,
    int expStatSn, ByteBuf data) implements InitiatorPdu {}
