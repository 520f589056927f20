package io.tiergate.gateway.engine;

import io.tiergate.gateway.engine.BlockEngine.Content;
import io.tiergate.gateway.kv.Column;
import io.tiergate.gateway.kv.KvBatch;
import io.tiergate.gateway.kv.KvView;
import io.tiergate.iscsi.spi.BlockDeviceException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One write command's change to a volume's block map, in two steps that {@link BlockEngine}
 * keeps apart.
 *
 * <p>{@link #compute} reads the current entries and works out which of them change and the net
 * refcount change per chunk: a chunk both dropped and added by the command nets to nothing. It
 * takes no chunk lock and writes nothing. {@link #writeTo} then adds to one batch the new chunk
 * records, the refcount and pin changes of existing ones, their tier-index entries, the
 * block-map entries and the space counters. The caller holds the block locks of the command's
 * chunks throughout, and the chunk-ID locks of {@link #chunkIds()} around {@code writeTo}, so
 * the records read there cannot change before the batch is written.
 */
final class BlockMapChange {
  private final VolumeInfo volume;
  private final List<byte[]> keys;
  private final Content[] contents;
  private final boolean[] changed;
  private final List<RefDelta> deltas;
  private final long mappedDelta;

  /** Bytes of the local store the batch adds (new chunks and pinned chunks brought home). */
  private long newStored;
  /** Net change of the local store's bytes, which the engine mirrors in memory. */
  private long storedDelta;

  private BlockMapChange(VolumeInfo volume, List<byte[]> keys, Content[] contents,
      boolean[] changed, List<RefDelta> deltas, long mappedDelta) {
    this.volume = volume;
    this.keys = keys;
    this.contents = contents;
    this.changed = changed;
    this.deltas = deltas;
    this.mappedDelta = mappedDelta;
  }

  /** The change that maps chunks {@code indices[0..n)} to {@code contents} (null: a hole). */
  static BlockMapChange compute(KvView kv, VolumeInfo volume, long[] indices,
      Content[] contents, int n) {
    List<byte[]> keys = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      keys.add(Layout.blockKey(volume.id(), Layout.LIVE_EPOCH, indices[i]));
    }
    List<byte[]> old = kv.multiGet(Column.BLOCKMAP, keys);
    Map<ByteBuffer, RefDelta> deltas = new LinkedHashMap<>();
    long mappedDelta = 0;
    boolean[] changed = new boolean[n];
    for (int i = 0; i < n; i++) {
      byte[] o = old.get(i);
      Content c = contents[i];
      if (o == null ? c == null : c != null && Arrays.equals(o, c.id)) {
        continue;
      }
      changed[i] = true;
      if (o != null) {
        deltas.computeIfAbsent(ByteBuffer.wrap(o), k -> new RefDelta(o)).refs--;
        mappedDelta--;
      }
      if (c != null) {
        RefDelta d = deltas.computeIfAbsent(ByteBuffer.wrap(c.id), k -> new RefDelta(c.id));
        d.refs++;
        d.content = c;
        if (d.index < 0) {
          d.index = indices[i];
        }
        mappedDelta++;
      }
    }
    return new BlockMapChange(volume, keys, contents, changed,
        new ArrayList<>(deltas.values()), mappedDelta);
  }

  /** True when every entry already maps what the command writes. */
  boolean isEmpty() {
    return deltas.isEmpty();
  }

  /** The chunks whose records {@link #writeTo} reads and changes: the ones to lock. */
  List<byte[]> chunkIds() {
    List<byte[]> ids = new ArrayList<>(deltas.size());
    for (RefDelta d : deltas) {
      ids.add(d.id);
    }
    return ids;
  }

  /**
   * Adds the whole change to {@code batch}, reading the chunk records from {@code kv}. Fails
   * with a write error when the block map and the records disagree; the batch must then be
   * dropped.
   */
  void writeTo(KvView kv, KvBatch batch, long now) {
    List<byte[]> records = kv.multiGet(Column.CHUNKS, chunkIds());
    long uniqueDelta = 0;
    long chunkDelta = 0;
    for (int i = 0; i < deltas.size(); i++) {
      RefDelta d = deltas.get(i);
      byte[] raw = records.get(i);
      if (d.refs == 0) {
        continue;
      }
      if (raw == null) {
        uniqueDelta += addChunk(batch, d, now);
        chunkDelta++;
        continue;
      }
      ChunkRecord rec = ChunkRecord.decode(raw);
      if (rec.refcount() + d.refs == 0) {
        dropChunk(batch, d, rec);
        uniqueDelta -= rec.plainLength();
        chunkDelta--;
      } else {
        changeRefs(batch, d, rec, now);
      }
    }
    for (int i = 0; i < keys.size(); i++) {
      if (!changed[i]) {
        continue;
      }
      if (contents[i] == null) {
        batch.delete(Column.BLOCKMAP, keys.get(i));
      } else {
        batch.put(Column.BLOCKMAP, keys.get(i), contents[i].id);
      }
    }
    batch.add(Layout.UNIQUE_BYTES, uniqueDelta);
    batch.add(Layout.STORED_BYTES, storedDelta);
    batch.add(Layout.CHUNK_COUNT, chunkDelta);
    batch.add(Layout.volumeCounterKey(volume.id(), Layout.VOL_MAPPED), mappedDelta);
  }

  /** Bytes the batch adds to the local store, for the capacity check before it is written. */
  long newStoredBytes() {
    return newStored;
  }

  /** Net change of the local store's bytes once the batch is written. */
  long storedBytesDelta() {
    return storedDelta;
  }

  /** A chunk seen for the first time: its bytes and a dirty record. Returns its plain length. */
  private long addChunk(KvBatch batch, RefDelta d, long now) {
    if (d.refs < 0 || d.content == null) {
      throw new BlockDeviceException(BlockDeviceException.Kind.WRITE_ERROR,
          "block map references a chunk that has no record");
    }
    Content c = d.content;
    byte[] stored = c.encoded();
    ChunkRecord rec = ChunkRecord.dirty(ChunkCodec.compression(stored), c.len, stored.length,
        d.refs, volume.pinned() ? d.refs : 0, now, volume.id(), d.index);
    batch.put(Column.CHUNKDATA, d.id, stored);
    batch.put(Column.CHUNKS, d.id, rec.encode());
    TierIndex.update(batch, d.id, null, rec);
    storedDelta += stored.length;
    newStored += stored.length;
    return c.len;
  }

  /** The last reference is gone: the record, its local bytes and its share of its pack. */
  private void dropChunk(KvBatch batch, RefDelta d, ChunkRecord rec) {
    if (rec.pinnedRefs() + (volume.pinned() ? d.refs : 0) < 0) {
      throw negative();
    }
    batch.delete(Column.CHUNKS, d.id);
    TierIndex.update(batch, d.id, rec, null);
    if (rec.local()) {
      batch.delete(Column.CHUNKDATA, d.id);
      storedDelta -= rec.storedLength();
    }
    if (rec.inCloud()) {
      // Its record in the pack is now dead weight for the pack GC to reclaim.
      batch.add(Layout.packCounterKey(rec.packNumber(), Layout.PACK_LIVE), -rec.sealedLength());
      batch.add(Layout.packCounterKey(rec.packNumber(), Layout.PACK_DEAD), rec.sealedLength());
    }
  }

  /** References added or dropped to a chunk that stays. */
  private void changeRefs(KvBatch batch, RefDelta d, ChunkRecord rec, long now) {
    long refs = rec.refcount() + d.refs;
    long pinnedRefs = rec.pinnedRefs() + (volume.pinned() ? d.refs : 0);
    if (refs < 0 || pinnedRefs < 0) {
      throw negative();
    }
    ChunkRecord next = rec.withRefs(refs, pinnedRefs, d.refs > 0 ? now : rec.lastUseMillis());
    if (d.refs > 0) {
      next = next.withLocality(volume.id(), d.index);
    }
    if (pinnedRefs > 0 && !rec.local() && d.content != null) {
      // A pinned volume never depends on the cloud: bring the evicted bytes back home.
      batch.put(Column.CHUNKDATA, d.id, d.content.encoded());
      next = next.withState(ChunkRecord.CLEAN);
      storedDelta += rec.storedLength();
      newStored += rec.storedLength();
    }
    batch.put(Column.CHUNKS, d.id, next.encode());
    TierIndex.update(batch, d.id, rec, next);
  }

  private static BlockDeviceException negative() {
    return new BlockDeviceException(BlockDeviceException.Kind.WRITE_ERROR,
        "chunk refcount would go negative");
  }

  /** The net reference change of one chunk within the command. */
  private static final class RefDelta {
    final byte[] id;
    long refs;
    Content content;
    /** Chunk index of the first new mapping to this chunk in the command: its locality. */
    long index = -1;

    RefDelta(byte[] id) {
      this.id = id;
    }
  }
}
