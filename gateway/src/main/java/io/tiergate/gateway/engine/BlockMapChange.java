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
 *
 * <p>Snapshots: new live entries carry the volume's current birth epoch. When the volume has a
 * snapshot, an entry its newest snapshot still sees (born before that snapshot's epoch, or
 * no entry at all when that snapshot's delta has none at the index either) is not dropped
 * but moved as the preimage into that snapshot's delta, in the same batch, with its
 * reference: the chunk's refcount does not change. A clone writes a hole as a hole marker, so
 * that its origin's data stays hidden there.
 */
final class BlockMapChange {
  /** Where the volume stands in its snapshots' write order; see {@link Volume#epochs()}. */
  record Epochs(long birth, long newest, boolean isClone) {
    static final Epochs NONE = new Epochs(0, 0, false);
  }

  private final VolumeInfo volume;
  private final List<byte[]> keys;
  private final byte[][] values;
  private final boolean[] changed;
  private final List<RefDelta> deltas;
  private final long mappedDelta;
  private final byte[][] preimages;
  private final long newest;
  private final long[] indices;
  private final boolean anyChange;

  /** Bytes of the local store the batch adds (new chunks and pinned chunks brought home). */
  private long newStored;
  /** Net change of the local store's bytes, which the engine mirrors in memory. */
  private long storedDelta;

  private BlockMapChange(VolumeInfo volume, List<byte[]> keys, byte[][] values,
      boolean[] changed, List<RefDelta> deltas, long mappedDelta, byte[][] preimages,
      long newest, long[] indices, boolean anyChange) {
    this.volume = volume;
    this.keys = keys;
    this.values = values;
    this.changed = changed;
    this.deltas = deltas;
    this.mappedDelta = mappedDelta;
    this.preimages = preimages;
    this.newest = newest;
    this.indices = indices;
    this.anyChange = anyChange;
  }

  /** The change that maps chunks {@code indices[0..n)} to {@code contents} (null: a hole). */
  static BlockMapChange compute(KvView kv, VolumeInfo volume, long[] indices,
      Content[] contents, int n) {
    return compute(kv, volume, indices, contents, n, Epochs.NONE);
  }

  /**
   * The change that maps chunks {@code indices[0..n)} to {@code contents} (null: a hole;
   * {@link Content#ABSENT}: no entry, so that a clone reads its origin there again), keeping
   * what the newest snapshot of {@code epochs} sees.
   */
  static BlockMapChange compute(KvView kv, VolumeInfo volume, long[] indices,
      Content[] contents, int n, Epochs epochs) {
    List<byte[]> keys = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      keys.add(Layout.blockKey(volume.id(), Layout.LIVE_EPOCH, indices[i]));
    }
    List<byte[]> old = kv.multiGet(Column.BLOCKMAP, keys);
    Map<ByteBuffer, RefDelta> deltas = new LinkedHashMap<>();
    long mappedDelta = 0;
    boolean[] changed = new boolean[n];
    byte[][] values = new byte[n][];
    byte[][] preimages = null;
    List<Integer> unknown = null;
    boolean anyChange = false;
    for (int i = 0; i < n; i++) {
      byte[] o = old.get(i);
      byte[] oid = Layout.chunkId(o);
      Content c = contents[i];
      boolean absent = c == Content.ABSENT;
      byte[] nid = c == null || absent ? null : c.id;
      boolean marker = nid == null && !absent && epochs.isClone();
      boolean same = nid != null ? oid != null && Arrays.equals(oid, nid)
          : marker ? o != null && oid == null : o == null;
      if (same) {
        continue;
      }
      changed[i] = true;
      anyChange = true;
      values[i] = nid != null || marker ? Layout.liveValue(nid, epochs.birth()) : null;
      boolean moved = false;
      if (epochs.newest() > 0) {
        if (o == null) {
          // No entry: the newest snapshot sees "nothing here" unless its delta says otherwise.
          if (unknown == null) {
            unknown = new ArrayList<>();
          }
          unknown.add(i);
        } else if (Layout.birth(o) < epochs.newest()) {
          if (preimages == null) {
            preimages = new byte[n][];
          }
          preimages[i] = Layout.preimage(o);
          moved = oid != null;
        }
      }
      if (oid != null) {
        if (!moved) {
          deltas.computeIfAbsent(ByteBuffer.wrap(oid), k -> new RefDelta(oid)).refs--;
        }
        mappedDelta--;
      }
      if (nid != null) {
        RefDelta d = deltas.computeIfAbsent(ByteBuffer.wrap(c.id), k -> new RefDelta(c.id));
        d.refs++;
        d.content = c;
        if (d.index < 0) {
          d.index = indices[i];
        }
        mappedDelta++;
      }
    }
    if (unknown != null) {
      List<byte[]> dk = new ArrayList<>(unknown.size());
      for (int i : unknown) {
        dk.add(Layout.blockKey(volume.id(), epochs.newest(), indices[i]));
      }
      List<byte[]> have = kv.multiGet(Column.BLOCKMAP, dk);
      for (int k = 0; k < unknown.size(); k++) {
        if (have.get(k) == null) {
          if (preimages == null) {
            preimages = new byte[n][];
          }
          preimages[unknown.get(k)] = Layout.DELTA_ABSENT;
        }
      }
    }
    return new BlockMapChange(volume, keys, values, changed,
        new ArrayList<>(deltas.values()), mappedDelta, preimages, epochs.newest(), indices,
        anyChange);
  }

  /**
   * A change of references only: one reference to each of {@code ids} dropped (repeats count),
   * for entries leaving the block map by other means (a snapshot delta being deleted).
   */
  static BlockMapChange dropReferences(VolumeInfo volume, List<byte[]> ids) {
    Map<ByteBuffer, RefDelta> deltas = new LinkedHashMap<>();
    for (byte[] id : ids) {
      deltas.computeIfAbsent(ByteBuffer.wrap(id), k -> new RefDelta(id)).refs--;
    }
    return new BlockMapChange(volume, List.of(), new byte[0][], new boolean[0],
        new ArrayList<>(deltas.values()), 0, null, 0, new long[0], !deltas.isEmpty());
  }

  /** True when every entry already maps what the command writes. */
  boolean isEmpty() {
    return !anyChange;
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
    long chunkBytesDelta = 0;
    long chunkDelta = 0;
    for (int i = 0; i < deltas.size(); i++) {
      RefDelta d = deltas.get(i);
      byte[] raw = records.get(i);
      if (d.refs == 0) {
        continue;
      }
      if (raw == null) {
        uniqueDelta += addChunk(batch, d, now);
        chunkBytesDelta += d.content.encoded().length;
        chunkDelta++;
        continue;
      }
      ChunkRecord rec = ChunkRecord.decode(raw);
      if (rec.refcount() + d.refs == 0) {
        dropChunk(batch, d, rec);
        uniqueDelta -= rec.plainLength();
        chunkBytesDelta -= rec.storedLength();
        chunkDelta--;
      } else {
        changeRefs(batch, d, rec, now);
      }
    }
    for (int i = 0; i < keys.size(); i++) {
      if (!changed[i]) {
        continue;
      }
      if (values[i] == null) {
        batch.delete(Column.BLOCKMAP, keys.get(i));
      } else {
        batch.put(Column.BLOCKMAP, keys.get(i), values[i]);
      }
      if (preimages != null && preimages[i] != null) {
        batch.put(Column.BLOCKMAP, Layout.blockKey(volume.id(), newest, indices[i]),
            preimages[i]);
      }
    }
    batch.add(Layout.UNIQUE_BYTES, uniqueDelta);
    batch.add(Layout.STORED_BYTES, storedDelta);
    batch.add(Layout.CHUNK_BYTES, chunkBytesDelta);
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
    if (d.refs < 0 || d.content == null || d.content.plain == null) {
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
    if (pinnedRefs > 0 && !rec.local() && d.content != null && d.content.plain != null) {
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
