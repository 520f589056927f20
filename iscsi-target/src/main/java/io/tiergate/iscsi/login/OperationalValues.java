package io.tiergate.iscsi.login;

/**
 * The operational values one login has agreed so far, starting from RFC 7143's defaults and
 * changed by the {@link KeyRules} of the keys answered. Confined to the login's event loop.
 */
final class OperationalValues {
  boolean headerDigest;
  boolean dataDigest;
  /** What the initiator declared it receives; 8,192 until it declares otherwise. */
  int initiatorMrdsl = 8192;
  /** Whether the target has declared its own MaxRecvDataSegmentLength in an answer. */
  boolean targetMrdslDeclared;
  int maxBurstLength = 262144;
  int firstBurstLength = 65536;
  boolean initialR2T = true;
  boolean immediateData = true;
  int maxOutstandingR2T = 1;

  /** The session's parameters once the login is done. */
  SessionParameters parameters(boolean discovery, String initiatorName, String initiatorAlias,
      String targetName, NegotiationLimits limits) {
    int targetMrdsl = targetMrdslDeclared ? limits.maxRecvDataSegmentLength() : 8192;
    return new SessionParameters(discovery, initiatorName, initiatorAlias, targetName,
        headerDigest, dataDigest, initiatorMrdsl, targetMrdsl, maxBurstLength,
        Math.min(firstBurstLength, maxBurstLength), initialR2T, immediateData,
        maxOutstandingR2T, 0);
  }
}
