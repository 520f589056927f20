package io.tiergate.gateway.engine;

import io.tiergate.gateway.kv.Column;
import io.tiergate.gateway.kv.KvBatch;
import io.tiergate.gateway.kv.KvIterator;
import io.tiergate.gateway.kv.KvSnapshot;
import io.tiergate.gateway.kv.KvStore;
import io.tiergate.gateway.kv.Keys;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tiering index: what the cloud tier asks of the chunk records, as ordered keys of the
 * {@code tierindex} family, so that no question needs a scan of every chunk.
 *
 * <pre>
 * 'd' [last use millis:8][chunk ID:32] -> [locality volume:8][locality index:8][stored length:4]
 *     chunks awaiting upload (DIRTY, no pinned refs): "dirty and idle since T" is a range scan
 *     that stops at T
 * 'c' [last use millis:8][chunk ID:32] -> [stored length:4]
 *     evictable chunks (CLEAN, no pinned refs), coldest first
 * 'p' [pack number:8][chunk ID:32] -> [state:1][record index:4][record offset:8][sealed:4]
 *     chunks located in a pack (CLEAN or EVICTED): a pack's chunks are a prefix scan
 * meta "c/dirty-bytes": stored bytes of the 'd' entries (uint64add)
 * </pre>
 *
 * <p>Every entry is a pure function of one chunk record ({@link #entries}), and every change of
 * a chunk record goes through {@link #update} with the old and the new record, in the batch that
 * writes the record: index and records commit together, so a crash never leaves them
 * disagreeing, and no writer can forget a piece. {@link EngineVerifier} checks that the index is
 * exactly what the records imply.
 */
final class TierIndex {
  private static final Logger log = LoggerFactory.getLogger(TierIndex.class);

  static final byte DIRTY = 'd';
  static final byte CLEAN = 'c';
  static final byte PACK = 'p';
  /** Stored bytes of chunks awaiting upload. */
  static final byte[] DIRTY_BYTES = "c/dirty-bytes".getBytes();

  private TierIndex() {}

  /** One index entry. */
  record Entry(byte[] key, byte[] value) {
    boolean same(Entry o) {
      return Arrays.equals(key, o.key) && Arrays.equals(value, o.value);
    }
  }

  static byte[] key(byte tag, long order, byte[] id) {
    byte[] k = new byte[1 + 8 + id.length];
    k[0] = tag;
    Keys.putLong(k, 1, order);
    System.arraycopy(id, 0, k, 9, id.length);
    return k;
  }

  /** First key of {@code tag} entries whose order field is {@code order} or more. */
  static byte[] from(byte tag, long order) {
    byte[] k = new byte[9];
    k[0] = tag;
    Keys.putLong(k, 1, order);
    return k;
  }

  /** The end (exclusive) of {@code tag} entries whose order field is at most {@code order}. */
  static byte[] through(byte tag, long order) {
    return order == Long.MAX_VALUE ? new byte[] {(byte) (tag + 1)} : from(tag, order + 1);
  }

  static long order(byte[] key) {
    return Keys.getLong(key, 1);
  }

  static byte[] id(byte[] key) {
    return Arrays.copyOfRange(key, 9, key.length);
  }

  /** The index entries chunk record {@code r} of chunk {@code id} implies (0 to 2). */
  static Entry[] entries(byte[] id, ChunkRecord r) {
    if (r == null) {
      return new Entry[0];
    }
    Entry heat = null;
    if (r.awaitsUpload()) {
      byte[] v = new byte[20];
      Keys.putLong(v, 0, r.localityVolume());
      Keys.putLong(v, 8, r.localityIndex());
      Keys.putInt(v, 16, r.storedLength());
      heat = new Entry(key(DIRTY, r.lastUseMillis(), id), v);
    } else if (r.evictable()) {
      byte[] v = new byte[4];
      Keys.putInt(v, 0, r.storedLength());
      heat = new Entry(key(CLEAN, r.lastUseMillis(), id), v);
    }
    Entry pack = null;
    if (r.inCloud()) {
      byte[] v = new byte[17];
      v[0] = (byte) r.state();
      Keys.putInt(v, 1, r.recordIndex());
      Keys.putLong(v, 5, r.recordOffset());
      Keys.putInt(v, 13, r.sealedLength());
      pack = new Entry(key(PACK, r.packNumber(), id), v);
    }
    if (heat == null) {
      return pack == null ? new Entry[0] : new Entry[] {pack};
    }
    return pack == null ? new Entry[] {heat} : new Entry[] {heat, pack};
  }

  /** Stored bytes chunk record {@code r} adds to the dirty-bytes counter. */
  static long dirtyBytes(ChunkRecord r) {
    return r != null && r.awaitsUpload() ? r.storedLength() : 0;
  }

  /**
   * Adds to {@code b} the index changes of chunk {@code id} going from record {@code old} to
   * record {@code next} (either null: no record). The caller holds the chunk's ID lock, read
   * {@code old} under it, and writes {@code next} (or deletes the record) in {@code b}.
   */
  static void update(KvBatch b, byte[] id, ChunkRecord old, ChunkRecord next) {
    Entry[] before = entries(id, old);
    Entry[] after = entries(id, next);
    for (Entry o : before) {
      boolean kept = false;
      for (Entry n : after) {
        kept |= Arrays.equals(o.key, n.key);
      }
      if (!kept) {
        b.delete(Column.TIERINDEX, o.key);
      }
    }
    for (Entry n : after) {
      boolean same = false;
      for (Entry o : before) {
        same |= o.same(n);
      }
      if (!same) {
        b.put(Column.TIERINDEX, n.key, n.value);
      }
    }
    b.add(DIRTY_BYTES, dirtyBytes(next) - dirtyBytes(old));
  }

  /**
   * Builds the index of a store written without it (format 1): clears whatever a crashed
   * earlier attempt left, indexes every chunk record in one scan, and in the last, synced batch
   * sets the dirty-bytes counter and {@code format} to {@code version}. Runs at open, before
   * anything else writes; a crash part-way leaves format 1, and the next open starts over.
   */
  static void build(KvStore kv, byte[] formatKey, byte[] version) {
    long t0 = System.nanoTime();
    long chunks = 0;
    long dirty = 0;
    KvBatch b = kv.newBatch();
    try {
      b.deleteRange(Column.TIERINDEX, new byte[] {0}, new byte[] {(byte) 0xff});
      try (KvSnapshot snap = kv.snapshot();
          KvIterator it = snap.scan(Column.CHUNKS, new byte[0], null)) {
        for (; it.valid(); it.next()) {
          byte[] id = it.key();
          ChunkRecord r = ChunkRecord.decode(it.value());
          for (Entry e : entries(id, r)) {
            b.put(Column.TIERINDEX, e.key, e.value);
          }
          dirty += dirtyBytes(r);
          chunks++;
          if (b.count() >= 4096) {
            kv.write(b, false);
            b.close();
            b = kv.newBatch();
          }
        }
      }
      b.add(DIRTY_BYTES, dirty - kv.counter(DIRTY_BYTES));
      b.put(Column.META, formatKey, version);
      kv.write(b, true);
    } finally {
      b.close();
    }
    log.info("built the tiering index of {} chunk(s) in {} ms", chunks,
        (System.nanoTime() - t0) / 1_000_000);
  }
}
