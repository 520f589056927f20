package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;

/**
 * Login Response (RFC 7143 section 11.13).
 *
 * @param transit the T bit
 * @param continueFlag the C bit
 * @param currentStage CSG
 * @param nextStage NSG
 * @param versionMax Version-max
 * @param versionActive Version-active
 * @param isid the initiator session id
 * @param tsih the session handle (assigned in the final response)
 * @param initiatorTaskTag the request's tag
 * @param statSn the status sequence number
 * @param expCmdSn the next expected CmdSN
 * @param maxCmdSn the highest CmdSN the window admits
 * @param statusClass status class (0 success, 1 redirect, 2 initiator error, 3 target error)
 * @param statusDetail status detail
 * @param data the text keys
 */
public record LoginResponse(boolean transit, boolean continueFlag, int currentStage,
    int nextStage, int versionMax, int versionActive, long isid, int tsih, int initiatorTaskTag,
    int statSn, int expCmdSn, int maxCmdSn, int statusClass, int statusDetail, ByteBuf data)
    implements TargetPdu {}
