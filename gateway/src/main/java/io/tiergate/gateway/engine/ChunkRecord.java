package io.tiergate.gateway.engine;

import io.tiergate.gateway.kv.Keys;

/**
 * The metadata of one distinct chunk ({@code chunks} family).
 *
 * <pre>
 * version 3 (written), 88 bytes:
 * [version:1][state:1][compression:1][flags:1][plain length:4][stored length:4][refcount:8]
 * [created millis:8][pinned refs:8][last use millis:8]
 * [pack number:8][record index:4][record offset:8][sealed length:4]
 * [locality volume id:8][locality chunk index:8]
 * version 2 (read only), 72 bytes: the first 72 bytes above; locality reads as (0, 0).
 * version 1 (read only), 40 bytes: the first 28 bytes above, then 12 zero bytes.
 * </pre>
 *
 * <p>The stored length is that of the whole {@code chunkdata} value, header included. The state
 * is {@link #DIRTY} until the cloud tier has the chunk (local only), {@link #CLEAN} once a pack
 * holding it is durable in the cloud (local and cloud), {@link #EVICTED} once its local bytes
 * were dropped (cloud only). Clean and evicted chunks carry their cloud location: the local
 * number of their pack (see {@link PackRecord}) and where the sealed record lies in it.
 *
 * <p>Pinned refs counts the block-map entries of pinned volumes naming the chunk; the tiering
 * policy leaves a chunk with pinned refs alone. The last use time (the chunk's heat) is the
 * tiering and eviction age: the last write that referenced the chunk, or the last read of it as
 * recorded by the engine's heat tracker, which rewrites it only when it advances by more than
 * {@link EngineConfig#heatGranularityMillis()} (a read must not become a metadata write each
 * time); a chunk read back from the cloud counts as used then. Version 2 stored the last write
 * in the same field. The locality is the (volume, chunk index) of the write that last
 * referenced the chunk: the tier packs dirty chunks in that order, so neighbouring blocks share
 * a pack.
 */
record ChunkRecord(int state, int compression, int flags, int plainLength, int storedLength,
    long refcount, long createdMillis, long pinnedRefs, long lastUseMillis, long packNumber,
    int recordIndex, long recordOffset, int sealedLength, long localityVolume,
    long localityIndex) {

  static final int VERSION = 3;
  static final int DIRTY = 0;
  static final int CLEAN = 1;
  static final int EVICTED = 2;
  static final int LENGTH = 88;
  static final int V2_LENGTH = 72;
  static final int V1_LENGTH = 40;

  /** A new dirty chunk, first written at chunk {@code index} of volume {@code volume}. */
  static ChunkRecord dirty(int compression, int plainLength, int storedLength, long refcount,
      long pinnedRefs, long now, long volume, long index) {
    return new ChunkRecord(DIRTY, compression, 0, plainLength, storedLength, refcount, now,
        pinnedRefs, now, 0, 0, 0, 0, volume, index);
  }

  /** True when the chunk's bytes are in the local chunk store. */
  boolean local() {
    return state != EVICTED;
  }

  /** True when a durable pack holds the chunk. */
  boolean inCloud() {
    return state == CLEAN || state == EVICTED;
  }

  /** True when the chunk waits for an upload (dirty, and no pinned volume keeps it local). */
  boolean awaitsUpload() {
    return state == DIRTY && pinnedRefs == 0;
  }

  /** True when the chunk may be evicted (clean, and no pinned volume references it). */
  boolean evictable() {
    return state == CLEAN && pinnedRefs == 0;
  }

  ChunkRecord withRefs(long r, long pinned, long now) {
    return new ChunkRecord(state, compression, flags, plainLength, storedLength, r, createdMillis,
        pinned, now, packNumber, recordIndex, recordOffset, sealedLength, localityVolume,
        localityIndex);
  }

  ChunkRecord withRefcount(long r) {
    return withRefs(r, pinnedRefs, lastUseMillis);
  }

  /** The same chunk last used at {@code millis}. */
  ChunkRecord usedAt(long millis) {
    return withRefs(refcount, pinnedRefs, millis);
  }

  /** The same chunk last referenced by chunk {@code index} of volume {@code volume}. */
  ChunkRecord withLocality(long volume, long index) {
    return new ChunkRecord(state, compression, flags, plainLength, storedLength, refcount,
        createdMillis, pinnedRefs, lastUseMillis, packNumber, recordIndex, recordOffset,
        sealedLength, volume, index);
  }

  ChunkRecord clean(long pack, int index, long offset, int sealed) {
    return new ChunkRecord(CLEAN, compression, flags, plainLength, storedLength, refcount,
        createdMillis, pinnedRefs, lastUseMillis, pack, index, offset, sealed, localityVolume,
        localityIndex);
  }

  ChunkRecord withState(int s) {
    return new ChunkRecord(s, compression, flags, plainLength, storedLength, refcount,
        createdMillis, pinnedRefs, lastUseMillis, packNumber, recordIndex, recordOffset,
        sealedLength, localityVolume, localityIndex);
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
    Keys.putLong(b, 28, pinnedRefs);
    Keys.putLong(b, 36, lastUseMillis);
    Keys.putLong(b, 44, packNumber);
    Keys.putInt(b, 52, recordIndex);
    Keys.putLong(b, 56, recordOffset);
    Keys.putInt(b, 64, sealedLength);
    Keys.putLong(b, 72, localityVolume);
    Keys.putLong(b, 80, localityIndex);
    return b;
  }

  static ChunkRecord decode(byte[] b) {
    if (b.length == V1_LENGTH && b[0] == 1) {
      long created = Keys.getLong(b, 20);
      return new ChunkRecord(b[1], b[2], b[3], Keys.getInt(b, 4), Keys.getInt(b, 8),
          Keys.getLong(b, 12), created, 0, created, 0, 0, 0, 0, 0, 0);
    }
    boolean v2 = b.length == V2_LENGTH && b[0] == 2;
    if (!v2 && (b.length != LENGTH || b[0] != VERSION)) {
      throw new IllegalStateException("unreadable chunk record");
    }
    return new ChunkRecord(b[1], b[2], b[3], Keys.getInt(b, 4), Keys.getInt(b, 8),
        Keys.getLong(b, 12), Keys.getLong(b, 20), Keys.getLong(b, 28), Keys.getLong(b, 36),
        Keys.getLong(b, 44), Keys.getInt(b, 52), Keys.getLong(b, 56), Keys.getInt(b, 64),
        v2 ? 0 : Keys.getLong(b, 72), v2 ? 0 : Keys.getLong(b, 80));
  }
}
