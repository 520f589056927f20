package io.tiergate.iscsi.session;

/**
 * The eight-byte LUN field of SAM-5 as a flat number: peripheral device addressing
 * (method 00b, bus 0) and flat space addressing (method 01b) both give a 14-bit number; other
 * methods are passed through unchanged, which no target LUN matches.
 */
final class Lun {
  private Lun() {}

  static long toFlat(long field) {
    int method = (int) (field >>> 62);
    if ((field & 0x0000ffffffffffffL) != 0) {
      return field;
    }
    if (method == 0 || method == 1) {
      return (field >>> 48) & 0x3fff;
    }
    return field;
  }
}
