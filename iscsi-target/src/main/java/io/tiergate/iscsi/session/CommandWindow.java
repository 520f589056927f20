package io.tiergate.iscsi.session;

import java.util.BitSet;

/**
 * The command numbering window of RFC 7143 section 4.2.2.1, sized to the queue depth.
 *
 * <p>ExpCmdSN is the next CmdSN expected in order; commands numbered above it but inside the
 * window are accepted and remembered, so that ExpCmdSN can jump past them once the gap fills.
 * MaxCmdSN leaves room for exactly as many commands as the queue depth allows minus those in
 * flight, and never moves backwards. Duplicates and commands outside the window are to be
 * ignored silently.
 */
final class CommandWindow {
  private final int depth;
  private int expCmdSn;
  private int maxCmdSn;
  private int inFlight;
  /** Bit i set: ExpCmdSN + 1 + i has arrived out of order. */
  private final BitSet ahead = new BitSet();

  CommandWindow(int depth, int initialCmdSn) {
    this.depth = depth;
    this.expCmdSn = initialCmdSn;
    this.maxCmdSn = initialCmdSn + depth - 1;
  }

  int expCmdSn() {
    return expCmdSn;
  }

  int maxCmdSn() {
    int computed = expCmdSn - 1 + Math.max(0, depth - inFlight);
    maxCmdSn = Serial.max(maxCmdSn, computed);
    return maxCmdSn;
  }

  /**
   * Admits a command: returns false if it must be ignored (duplicate, or outside the window).
   * An immediate command is admitted without consuming its CmdSN.
   */
  boolean admit(int cmdSn, boolean immediate) {
    if (immediate) {
      return true;
    }
    int max = maxCmdSn();
    if (cmdSn == expCmdSn) {
      expCmdSn++;
      while (ahead.get(0)) {
        // The next number arrived before: slide over it.
        shift();
        expCmdSn++;
      }
      shift();
      return true;
    }
    if (Serial.lt(expCmdSn, cmdSn) && Serial.le(cmdSn, max)) {
      int index = cmdSn - expCmdSn - 1;
      if (ahead.get(index)) {
        return false;
      }
      ahead.set(index);
      return true;
    }
    return false;
  }

  private void shift() {
    BitSet shifted = ahead.get(1, Math.max(1, ahead.length()));
    ahead.clear();
    ahead.or(shifted);
  }

  /** Whether a CmdSN lies in [ExpCmdSN, MaxCmdSN]. */
  boolean inWindow(int cmdSn) {
    return Serial.le(expCmdSn, cmdSn) && Serial.le(cmdSn, maxCmdSn());
  }

  void started() {
    inFlight++;
  }

  void finished() {
    inFlight--;
  }

  int inFlight() {
    return inFlight;
  }
}
