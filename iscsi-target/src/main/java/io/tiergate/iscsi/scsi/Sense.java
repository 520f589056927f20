package io.tiergate.iscsi.scsi;

/** Sense keys and the fixed-format sense data layout of SPC-5 section 4.4.3. */
final class Sense {

  static final int NO_SENSE = 0x0;
  static final int NOT_READY = 0x2;
  static final int MEDIUM_ERROR = 0x3;
  static final int HARDWARE_ERROR = 0x4;
  static final int ILLEGAL_REQUEST = 0x5;
  static final int UNIT_ATTENTION = 0x6;
  static final int DATA_PROTECT = 0x7;
  static final int ABORTED_COMMAND = 0xB;
  static final int MISCOMPARE = 0xE;

  /** Length of the fixed-format sense data built here. */
  static final int LENGTH = 18;

  private Sense() {}

  /**
   * Builds fixed-format sense data.
   *
   * @param information the INFORMATION field, or -1 for none
   * @param fieldPointer the sense-key-specific field pointer, or -1 for none
   * @param bitPointer bit within the pointed-to byte, or -1
   * @param inCdb whether the pointer refers to the CDB (C/D bit)
   */
  static byte[] fixed(int key, int asc, int ascq, long information, int fieldPointer,
      int bitPointer, boolean inCdb) {
    byte[] s = new byte[LENGTH];
    s[0] = (byte) (0x70 | (information >= 0 ? 0x80 : 0));
    s[2] = (byte) (key & 0x0F);
    if (information >= 0) {
      s[3] = (byte) (information >>> 24);
      s[4] = (byte) (information >>> 16);
      s[5] = (byte) (information >>> 8);
      s[6] = (byte) information;
    }
    s[7] = (byte) (LENGTH - 8);
    s[12] = (byte) asc;
    s[13] = (byte) ascq;
    if (fieldPointer >= 0) {
      int b = 0x80 | (inCdb ? 0x40 : 0);
      if (bitPointer >= 0) {
        b |= 0x08 | (bitPointer & 0x07);
      }
      s[15] = (byte) b;
      s[16] = (byte) (fieldPointer >>> 8);
      s[17] = (byte) fieldPointer;
    }
    return s;
  }

  /** Sense data for a condition with no information or pointer. */
  static byte[] fixed(int key, int asc, int ascq) {
    return fixed(key, asc, ascq, -1, -1, -1, true);
  }
}
