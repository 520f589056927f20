package io.tiergate.gateway.engine;

import io.tiergate.gateway.kv.Keys;

/**
 * The metadata of one distinct chunk ({@code chunks} family): 40 bytes.
 *
 * <pre>
 * [version:1][state:1][compression:1][flags:1][plain length:4][stored length:4][refcount:8]
 * [created millis:8][reserved for the cloud location:12]
 * </pre>
 *
 * <p>The stored length is that of the whole {@code chunkdata} value, header included. The state
 * is {@link #DIRTY} until the cloud tier has the chunk.
 */
record ChunkRecord(int state, int compression, int flags, int plainLength, int storedLength,
    long refcount, long createdMillis) {

  static final int VERSION = 1;
  static final int DIRTY = 0;
  static final int LENGTH = 40;

  ChunkRecord withRefcount(long r) {
    return new ChunkRecord(state, compression, flags, plainLength, storedLength, r, createdMillis);
  }

  byte[] encode() {
    byte[] b = new byte[LENGTH];
    b[0] = VERSION;
    b[1] = (byte) state;
    b[2] = (byte) compression;
    b[3] = (byte) flags;
    Keys.putInt(b, 4, plainLength);
    Keys.putInt(b, 8, storedLength);
    Keys.putLong(b, 12, refcount);
    Keys.putLong(b, 20, createdMillis);
    return b;
  }

  static ChunkRecord decode(byte[] b) {
    if (b.length != LENGTH || b[0] != VERSION) {
      throw new IllegalStateException("unreadable chunk record");
    }
    return new ChunkRecord(b[1], b[2], b[3], Keys.getInt(b, 4), Keys.getInt(b, 8),
        Keys.getLong(b, 12), Keys.getLong(b, 20));
  }
}
