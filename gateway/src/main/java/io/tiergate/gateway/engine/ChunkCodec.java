package io.tiergate.gateway.engine;

import io.tiergate.gateway.kv.Keys;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * The stored form of a chunk ({@code chunkdata} family): an 8-byte header, then the payload.
 *
 * <pre>
 * [format version:1][compression:1][flags:1][reserved:1][plain length:4] payload
 * </pre>
 *
 * <p>Compression is {@link #RAW} or {@link #LZ4}; LZ4 is kept only when it saves at least
 * 1/16 of the chunk, since every read pays for decompression. The flags byte is zero today;
 * bit 0 is reserved to mark a payload encrypted at rest, so that local encryption can be added
 * without rewriting existing chunks. Thread-safe.
 */
final class ChunkCodec {
  static final int HEADER = 8;
  static final int VERSION = 1;
  static final int RAW = 0;
  static final int LZ4 = 1;

  private static final LZ4Factory FACTORY = LZ4Factory.fastestInstance();
  private static final LZ4Compressor COMPRESSOR = FACTORY.fastCompressor();
  private static final LZ4SafeDecompressor DECOMPRESSOR = FACTORY.safeDecompressor();

  private ChunkCodec() {}

  /** Encodes {@code len} plaintext bytes from {@code off}; picks LZ4 when it pays. */
  static byte[] encode(byte[] plain, int off, int len) {
    int max = COMPRESSOR.maxCompressedLength(len);
    byte[] out = new byte[HEADER + max];
    int clen = COMPRESSOR.compress(plain, off, len, out, HEADER, max);
    int compression = LZ4;
    if (clen > len - (len >> 4)) {
      compression = RAW;
      clen = len;
      System.arraycopy(plain, off, out, HEADER, len);
    }
    byte[] result = out.length == HEADER + clen ? out : java.util.Arrays.copyOf(out, HEADER + clen);
    result[0] = VERSION;
    result[1] = (byte) compression;
    result[2] = 0;
    result[3] = 0;
    Keys.putInt(result, 4, len);
    return result;
  }

  static int compression(byte[] stored) {
    return stored[1];
  }

  static int plainLength(byte[] stored) {
    return Keys.getInt(stored, 4);
  }

  /**
   * Decodes {@code stored} into {@code dst} at {@code dstOff}.
   *
   * @throws IllegalStateException when the header or payload is damaged
   */
  static void decode(byte[] stored, byte[] dst, int dstOff) {
    if (stored.length < HEADER || stored[0] != VERSION || stored[2] != 0) {
      throw new IllegalStateException("unsupported chunk header");
    }
    int plain = Keys.getInt(stored, 4);
    switch (stored[1]) {
      case RAW -> {
        if (stored.length - HEADER != plain) {
          throw new IllegalStateException("raw chunk length mismatch");
        }
        System.arraycopy(stored, HEADER, dst, dstOff, plain);
      }
      case LZ4 -> {
        int n;
        try {
          n = DECOMPRESSOR.decompress(stored, HEADER, stored.length - HEADER, dst, dstOff, plain);
        } catch (LZ4Exception e) {
          throw new IllegalStateException("damaged LZ4 chunk", e);
        }
        if (n != plain) {
          throw new IllegalStateException("LZ4 chunk length mismatch");
        }
      }
      default -> throw new IllegalStateException("unknown chunk compression " + stored[1]);
    }
  }
}
