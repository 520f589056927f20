package io.tiergate.iscsi.login;

/**
 * The target's own values for the negotiated operational keys.
 *
 * @param maxRecvDataSegmentLength the most the target accepts in one data segment (declared)
 * @param maxBurstLength the target's MaxBurstLength (the result is the minimum)
 * @param firstBurstLength the target's FirstBurstLength (the result is the minimum)
 * @param maxOutstandingR2T the target's MaxOutstandingR2T (the result is the minimum)
 */
public record NegotiationLimits(int maxRecvDataSegmentLength, int maxBurstLength,
    int firstBurstLength, int maxOutstandingR2T) {

  /** Values suited to a memory or SSD LUN on a fast local network. */
  public static NegotiationLimits defaults() {
    return new NegotiationLimits(262144, 1048576, 262144, 8);
  }
}
