package io.tiergate.iscsi.scsi;

/** Big-endian field access on a CDB or parameter list, as SCSI lays them out. */
final class Cdb {

  private Cdb() {}

  static int u8(byte[] b, int off) {
    return off < b.length ? b[off] & 0xFF : 0;
  }

  static int u16(byte[] b, int off) {
    return (u8(b, off) << 8) | u8(b, off + 1);
  }

  static int u24(byte[] b, int off) {
    return (u8(b, off) << 16) | u16(b, off + 1);
  }

  static long u32(byte[] b, int off) {
    return ((long) u16(b, off) << 16) | u16(b, off + 2);
  }

  static long u64(byte[] b, int off) {
    return (u32(b, off) << 32) | u32(b, off + 4);
  }

  static void put16(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 8);
    b[off + 1] = (byte) v;
  }

  static void put32(byte[] b, int off, long v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }

  static void put64(byte[] b, int off, long v) {
    put32(b, off, v >>> 32);
    put32(b, off + 4, v);
  }

  /** The CDB length implied by the operation code's group (SPC-5 4.2.5.1). */
  static int lengthOf(int opcode) {
    switch (opcode >>> 5) {
      case 0:
        return 6;
      case 1:
      case 2:
        return 10;
      case 4:
        return 16;
      case 5:
        return 12;
      default:
        return 16;
    }
  }
}
