package io.tiergate.gateway.engine;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A map standing in for the cloud in engine tests: a chunk's sealed "record" is its stored bytes
 * themselves. The cloud itself is exercised by the tier package's integration tests.
 */
final class FakeCloud {
  private final Map<ByteBuffer, byte[]> records = new HashMap<>();

  /** Uploads the given dirty chunks as one pack and commits it; returns the pack's number. */
  long commit(ChunkTierStore t, List<ChunkTierStore.DirtyChunk> dirty) {
    List<ChunkTierStore.Placement> ps = new ArrayList<>();
    long off = 0;
    int i = 0;
    for (ChunkTierStore.DirtyChunk d : dirty) {
      records.put(ByteBuffer.wrap(d.id()), d.stored());
      ps.add(new ChunkTierStore.Placement(d.id(), i++, off, d.stored().length + 16));
      off += d.stored().length + 16;
    }
    return t.commitPack(new PackRecord(new byte[16], 1, new byte[16], off, false, 0), ps, -1);
  }

  /** Uploads every dirty chunk as one pack and commits it; returns the pack's number. */
  long commitAllDirty(ChunkTierStore t) {
    return commit(t, t.dirtyChunks(Long.MAX_VALUE, Long.MAX_VALUE));
  }

  /** The stored bytes uploaded for chunk {@code id}, or null. */
  byte[] get(byte[] id) {
    return records.get(ByteBuffer.wrap(id));
  }

  /** A cold reader serving what was uploaded here, admitted into {@code t}. */
  ColdReader reader(ChunkTierStore t) {
    return (id, pack, index, offset, length) -> t.admit(id, get(id));
  }
}
