package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/**
 * Login Request (RFC 7143 section 11.12).
 *
 * @param bhs raw basic header segment
 * @param transit the T bit
 * @param continueFlag the C bit: the text continues in the next PDU
 * @param currentStage CSG (0 security, 1 operational)
 * @param nextStage NSG (1 operational, 3 full feature), meaningful with T
 * @param versionMax Version-max
 * @param versionMin Version-min
 * @param isid the initiator part of the session id, as a 48-bit number
 * @param tsih the target-assigned session identifying handle (0 for a new session)
 * @param initiatorTaskTag the initiator task tag
 * @param cid the connection id
 * @param cmdSn the command sequence number
 * @param expStatSn the expected status sequence number
 * @param data the text keys
 */
public record LoginRequest(byte[] bhs, boolean transit, boolean continueFlag, int currentStage,
    int nextStage, int versionMax, int versionMin, long isid, int tsih, int initiatorTaskTag,
    int cid, int cmdSn, int expStatSn, ByteBuf data) implements InitiatorPdu {}
