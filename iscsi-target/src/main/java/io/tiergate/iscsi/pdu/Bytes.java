package io.tiergate.iscsi.pdu;

/** Big-endian field access on raw header bytes. */
final class Bytes {
  private Bytes() {}

  static int getInt(byte[] b, int off) {
    return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8)
        | (b[off + 3] & 0xff);
  }

  static int getShort(byte[] b, int off) {
    return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
  }

  static long getLong(byte[] b, int off) {
    return ((long) getInt(b, off) << 32) | (getInt(b, off + 4) & 0xffffffffL);
  }

  static long getUint48(byte[] b, int off) {
    return ((long) getShort(b, off) << 32) | (getInt(b, off + 2) & 0xffffffffL);
  }

  static int getUint24(byte[] b, int off) {
    return ((b[off] & 0xff) << 16) | ((b[off + 1] & 0xff) << 8) | (b[off + 2] & 0xff);
  }
}
