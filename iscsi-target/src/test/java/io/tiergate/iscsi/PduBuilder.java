package io.tiergate.iscsi;

import io.tiergate.iscsi.pdu.Crc32c;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Builds initiator PDUs byte by byte, the way an initiator would put them on the wire. */
public final class PduBuilder {
  private final byte[] bhs = new byte[48];
  private byte[] ahs = new byte[0];
  private byte[] data = new byte[0];
  private Integer dataSegmentLength;

  /** A PDU with this opcode. */
  public PduBuilder(int opcode) {
    bhs[0] = (byte) opcode;
  }

  /** Sets the I bit. */
  public PduBuilder immediate() {
    bhs[0] |= 0x40;
    return this;
  }

  /** Sets byte 1. */
  public PduBuilder flags(int flags) {
    bhs[1] = (byte) flags;
    return this;
  }

  /** Sets one header byte. */
  public PduBuilder set(int offset, int value) {
    bhs[offset] = (byte) value;
    return this;
  }

  /** Sets a big-endian 32-bit header word. */
  public PduBuilder word(int offset, int value) {
    ByteBuffer.wrap(bhs).putInt(offset, value);
    return this;
  }

  /** Sets a big-endian 16-bit header field. */
  public PduBuilder shortAt(int offset, int value) {
    ByteBuffer.wrap(bhs).putShort(offset, (short) value);
    return this;
  }

  /** Sets the LUN field (bytes 8-15). */
  public PduBuilder lun(long lun) {
    ByteBuffer.wrap(bhs).putLong(8, lun);
    return this;
  }

  /** Sets the initiator task tag. */
  public PduBuilder itt(int itt) {
    return word(16, itt);
  }

  /** Copies a CDB into bytes 32-47. */
  public PduBuilder cdb(byte[] cdb) {
    System.arraycopy(cdb, 0, bhs, 32, Math.min(16, cdb.length));
    return this;
  }

  /** Sets the additional header segments (a multiple of four bytes). */
  public PduBuilder ahs(byte[] ahs) {
    this.ahs = ahs.clone();
    bhs[4] = (byte) (ahs.length / 4);
    return this;
  }

  /** Sets the data segment. */
  public PduBuilder data(byte[] data) {
    this.data = data.clone();
    return this;
  }

  /** Sets the data segment to NUL-terminated text keys. */
  public PduBuilder text(String... pairs) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String p : pairs) {
      byte[] b = p.getBytes(StandardCharsets.UTF_8);
      out.write(b, 0, b.length);
      out.write(0);
    }
    return data(out.toByteArray());
  }

  /** Overrides the DataSegmentLength field (to lie about the length). */
  public PduBuilder dataSegmentLength(int length) {
    this.dataSegmentLength = length;
    return this;
  }

  /** The PDU's bytes without digests. */
  public byte[] bytes() {
    return bytes(false, false);
  }

  /** The PDU's bytes, with CRC32C digests as asked. */
  public byte[] bytes(boolean headerDigest, boolean dataDigest) {
    int length = dataSegmentLength != null ? dataSegmentLength : data.length;
    bhs[5] = (byte) (length >> 16);
    bhs[6] = (byte) (length >> 8);
    bhs[7] = (byte) length;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(bhs, 0, 48);
    out.write(ahs, 0, ahs.length);
    if (headerDigest) {
      byte[] header = out.toByteArray();
      writeLe(out, Crc32c.of(header));
    }
    if (data.length > 0) {
      int padded = (data.length + 3) & ~3;
      byte[] segment = new byte[padded];
      System.arraycopy(data, 0, segment, 0, data.length);
      out.write(segment, 0, padded);
      if (dataDigest) {
        writeLe(out, Crc32c.of(segment));
      }
    }
    return out.toByteArray();
  }

  private static void writeLe(ByteArrayOutputStream out, int v) {
    byte[] b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    out.write(b, 0, 4);
  }

  /** Hex of bytes, lower case, no separators. */
  public static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (byte b : bytes) {
      sb.append(String.format("%02x", b));
    }
    return sb.toString();
  }

  /** Bytes of a hex string; whitespace and '#' comments are ignored. */
  public static byte[] unhex(String text) {
    StringBuilder sb = new StringBuilder();
    for (String line : text.split("\n")) {
      int hash = line.indexOf('#');
      sb.append((hash >= 0 ? line.substring(0, hash) : line).replaceAll("\\s", ""));
    }
    String h = sb.toString();
    byte[] out = new byte[h.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
    }
    return out;
  }
}
