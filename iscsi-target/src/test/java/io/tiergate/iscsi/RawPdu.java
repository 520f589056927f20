package io.tiergate.iscsi;

import io.netty.buffer.ByteBuf;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A target PDU as a test reads it off the wire: the 48 header bytes and the data segment, with
 * accessors for the fields tests look at.
 *
 * @param bhs the basic header segment
 * @param data the data segment without padding
 */
public record RawPdu(byte[] bhs, byte[] data) {

  /** Reads one PDU from a stream (digests as negotiated). */
  public static RawPdu read(InputStream in, boolean headerDigest, boolean dataDigest)
      throws IOException {
    DataInputStream d = new DataInputStream(in);
    byte[] bhs = new byte[48];
    d.readFully(bhs);
    int ahs = (bhs[4] & 0xff) * 4;
    d.skipNBytes(ahs + (headerDigest ? 4 : 0));
    int length = ((bhs[5] & 0xff) << 16) | ((bhs[6] & 0xff) << 8) | (bhs[7] & 0xff);
    byte[] data = new byte[length];
    d.readFully(data);
    d.skipNBytes(((length + 3) & ~3) - length + (dataDigest && length > 0 ? 4 : 0));
    return new RawPdu(bhs, data);
  }

  /** Reads one PDU from a buffer without digests, consuming it. */
  public static RawPdu read(ByteBuf buf) {
    byte[] bhs = new byte[48];
    buf.readBytes(bhs);
    int length = ((bhs[5] & 0xff) << 16) | ((bhs[6] & 0xff) << 8) | (bhs[7] & 0xff);
    buf.skipBytes((bhs[4] & 0xff) * 4);
    byte[] data = new byte[length];
    buf.readBytes(data);
    buf.skipBytes(((length + 3) & ~3) - length);
    return new RawPdu(bhs, data);
  }

  /** The opcode. */
  public int opcode() {
    return bhs[0] & 0x3f;
  }

  /** Byte 1. */
  public int flags() {
    return bhs[1] & 0xff;
  }

  /** One header byte, unsigned. */
  public int byteAt(int offset) {
    return bhs[offset] & 0xff;
  }

  /** A big-endian 32-bit header word. */
  public int word(int offset) {
    return ByteBuffer.wrap(bhs).getInt(offset);
  }

  /** The initiator task tag. */
  public int itt() {
    return word(16);
  }

  /** StatSN. */
  public int statSn() {
    return word(24);
  }

  /** ExpCmdSN. */
  public int expCmdSn() {
    return word(28);
  }

  /** MaxCmdSN. */
  public int maxCmdSn() {
    return word(32);
  }

  /** The data segment as text keys. */
  public Map<String, String> keys() {
    Map<String, String> keys = new LinkedHashMap<>();
    for (String pair : new String(data, StandardCharsets.UTF_8).split("\0")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        keys.put(pair.substring(0, eq), pair.substring(eq + 1));
      }
    }
    return keys;
  }
}
