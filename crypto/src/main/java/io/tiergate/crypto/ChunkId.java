package io.tiergate.crypto;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The identity of a chunk's content: HMAC-SHA-256 of its plaintext under the appliance's chunk-ID
 * key, 32 bytes. Immutable.
 *
 * <p>Order ({@link #compareTo}) is unsigned lexicographic over the bytes, the same order RocksDB
 * gives big-endian keys, so sorted collections and key scans agree.
 *
 * <p>{@link #toString()} is the hex form. A chunk ID is not secret on the appliance (it is a keyed
 * hash, so it says nothing about content without the key), but it must never be sent to the cloud
 * in the clear: there it only appears inside encrypted pack trailers.
 */
public final class ChunkId implements Comparable<ChunkId> {
  /** Length in bytes. */
  public static final int LENGTH = 32;

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  // Four big-endian words: equality and ordering in four comparisons instead of 32.
  private final long w0;
  private final long w1;
  private final long w2;
  private final long w3;

  private ChunkId(long w0, long w1, long w2, long w3) {
    this.w0 = w0;
    this.w1 = w1;
    this.w2 = w2;
    this.w3 = w3;
  }

  /** Reads {@value #LENGTH} bytes from {@code b}. */
  public static ChunkId of(byte[] b) {
    Objects.requireNonNull(b, "bytes");
    if (b.length != LENGTH) {
      throw new IllegalArgumentException("a chunk ID is " + LENGTH + " bytes, got " + b.length);
    }
    return of(b, 0);
  }

  /** Reads {@value #LENGTH} bytes from {@code b} at {@code off}. */
  public static ChunkId of(byte[] b, int off) {
    Objects.checkFromIndexSize(off, LENGTH, b.length);
    return new ChunkId(
        (long) LONGS.get(b, off),
        (long) LONGS.get(b, off + 8),
        (long) LONGS.get(b, off + 16),
        (long) LONGS.get(b, off + 24));
  }

  /** Parses the 64-character hex form produced by {@link #toHex()}. */
  public static ChunkId fromHex(String hex) {
    Objects.requireNonNull(hex, "hex");
    if (hex.length() != LENGTH * 2) {
      throw new IllegalArgumentException("a chunk ID is " + LENGTH * 2 + " hex digits");
    }
    return of(HexFormat.of().parseHex(hex));
  }

  /** A fresh copy of the 32 bytes. */
  public byte[] toBytes() {
    byte[] b = new byte[LENGTH];
    writeTo(b, 0);
    return b;
  }

  /** Writes the 32 bytes into {@code dst} at {@code off}, e.g. into a RocksDB key buffer. */
  public void writeTo(byte[] dst, int off) {
    Objects.checkFromIndexSize(off, LENGTH, dst.length);
    LONGS.set(dst, off, w0);
    LONGS.set(dst, off + 8, w1);
    LONGS.set(dst, off + 16, w2);
    LONGS.set(dst, off + 24, w3);
  }

  /** Lower-case hex, 64 characters. */
  public String toHex() {
    return HexFormat.of().formatHex(toBytes());
  }

  @Override
  public int compareTo(ChunkId o) {
    int c = Long.compareUnsigned(w0, o.w0);
    if (c != 0) {
      return c;
    }
    c = Long.compareUnsigned(w1, o.w1);
    if (c != 0) {
      return c;
    }
    c = Long.compareUnsigned(w2, o.w2);
    return c != 0 ? c : Long.compareUnsigned(w3, o.w3);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ChunkId)) {
      return false;
    }
    ChunkId c = (ChunkId) o;
    return w0 == c.w0 && w1 == c.w1 && w2 == c.w2 && w3 == c.w3;
  }

  @Override
  public int hashCode() {
    // The bytes are a MAC output, uniformly distributed: any 32 of them make a good hash.
    return (int) (w0 ^ (w0 >>> 32));
  }

  @Override
  public String toString() {
    return toHex();
  }
}
