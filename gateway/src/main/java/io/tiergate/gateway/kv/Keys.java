package io.tiergate.gateway.kv;

import java.util.Arrays;

/** Helpers for big-endian keys and merge counters. */
public final class Keys {
  private Keys() {}

  /** The smallest key greater than every key starting with {@code prefix}, or null if none. */
  public static byte[] prefixEnd(byte[] prefix) {
    byte[] end = Arrays.copyOf(prefix, prefix.length);
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return Arrays.copyOf(end, i + 1);
      }
    }
    return null;
  }

  /** Writes {@code v} big-endian at {@code off}. */
  public static void putLong(byte[] b, int off, long v) {
    for (int i = 7; i >= 0; i--) {
      b[off + i] = (byte) v;
      v >>>= 8;
    }
  }

  /** Reads a big-endian long at {@code off}. */
  public static long getLong(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xff);
    }
    return v;
  }

  /** Writes {@code v} big-endian at {@code off}. */
  public static void putInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }

  /** Reads a big-endian int at {@code off}. */
  public static int getInt(byte[] b, int off) {
    return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8)
        | (b[off + 3] & 0xff);
  }

  /** The 8-byte little-endian encoding the uint64add merge operator works on. */
  static byte[] counterBytes(long v) {
    byte[] b = new byte[8];
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) v;
      v >>>= 8;
    }
    return b;
  }

  /** Decodes a uint64add counter value. */
  static long counterValue(byte[] b) {
    if (b.length != 8) {
      throw new KvException(KvException.Code.CORRUPTION, "counter of " + b.length + " bytes");
    }
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = (v << 8) | (b[i] & 0xff);
    }
    return v;
  }
}
