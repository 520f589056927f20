package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/**
 * SCSI Data-Out (RFC 7143 section 11.7).
 *
 * @param bhs raw basic header segment
 * @param finalFlag the F bit: last PDU of this sequence
 * @param lun the raw LUN field
 * @param initiatorTaskTag the task the data belongs to
 * @param targetTransferTag 0xffffffff for unsolicited data, else the R2T's tag
 * @param expStatSn the expected status sequence number
 * @param dataSn the PDU number within its sequence
 * @param bufferOffset where the data goes within the command's buffer
 * @param data the data
 */
public record DataOut(byte[] bhs, boolean finalFlag, long lun, int initiatorTaskTag,
    int targetTransferTag, int expStatSn, int dataSn, int bufferOffset, ByteBuf data)
    implements InitiatorPdu {}
