package io.tiergate.iscsi.login;

/**
 * What a login agreed on, as the session runs with it.
 *
 * @param discovery true for a discovery session
 * @param initiatorName the InitiatorName key
 * @param initiatorAlias the InitiatorAlias key, or null
 * @param targetName the target logged in to (null for discovery)
 * @param headerDigest CRC32C header digests on
 * @param dataDigest CRC32C data digests on
 * @param initiatorMaxRecvDataSegmentLength the most the target may put in one PDU's data
 *     segment (the initiator's declaration)
 * @param targetMaxRecvDataSegmentLength the most the initiator may put in one PDU's data
 *     segment (the target's declaration)
 * @param maxBurstLength the longest solicited or Data-In sequence
 * @param firstBurstLength the most unsolicited data (immediate plus unsolicited Data-Out)
 * @param initialR2T true when unsolicited Data-Out is not allowed
 * @param immediateData true when a command may carry data
 * @param maxOutstandingR2T R2Ts outstanding per task
 * @param errorRecoveryLevel always 0 here
 */
public record SessionParameters(boolean discovery, String initiatorName, String initiatorAlias,
    String targetName, boolean headerDigest, boolean dataDigest,
    int initiatorMaxRecvDataSegmentLength, int targetMaxRecvDataSegmentLength,
    int maxBurstLength, int firstBurstLength, boolean initialR2T, boolean immediateData,
    int maxOutstandingR2T, int errorRecoveryLevel) {}
