package io.tiergate.iscsi.session;

/** 32-bit serial number arithmetic (RFC 1982), as CmdSN and StatSN use it. */
final class Serial {
  private Serial() {}

  /** a < b in serial arithmetic. */
  static boolean lt(int a, int b) {
    return a != b && (a - b) < 0;
  }

  /** a <= b in serial arithmetic. */
  static boolean le(int a, int b) {
    return a == b || (a - b) < 0;
  }

  /** The larger of two serial numbers. */
  static int max(int a, int b) {
    return lt(a, b) ? b : a;
  }
}
