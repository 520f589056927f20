package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/**
 * SCSI Command (RFC 7143 section 11.3).
 *
 * @param bhs raw basic header segment
 * @param immediate the I bit
 * @param finalFlag the F bit: no unsolicited Data-Out follows
 * @param read the R bit
 * @param write the W bit
 * @param taskAttribute the ATTR field
 * @param lun the raw 64-bit LUN field
 * @param initiatorTaskTag the initiator task tag
 * @param expectedDataTransferLength the expected data transfer length
 * @param cmdSn the command sequence number
 * @param expStatSn the expected status sequence number
 * @param cdb the CDB: 16 bytes from the header plus any extended CDB AHS
 * @param data immediate data
 */
public record ScsiCommandPdu(byte[] bhs, boolean immediate, boolean finalFlag, boolean read,
    boolean write, int taskAttribute, long lun, int initiatorTaskTag,
    int expectedDataTransferLength, int cmdSn, int expStatSn, byte[] cdb, ByteBuf data)
    implements InitiatorPdu {}
