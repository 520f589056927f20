package io.tiergate.gateway.engine;

import io.tiergate.gateway.kv.Column;
import io.tiergate.gateway.kv.KvBatch;
import io.tiergate.gateway.kv.KvIterator;
import io.tiergate.gateway.kv.KvSnapshot;
import io.tiergate.gateway.kv.KvStore;
import io.tiergate.gateway.kv.Keys;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * The chunk store as the cloud tier sees it: dirty chunks to upload, the commit that marks a
 * pack's chunks clean, eviction, re-insertion after a cold read, and the pack bookkeeping the
 * pack GC needs. The policy (when, how much, where to) lives in {@code io.tiergate.gateway.tier};
 * this class only keeps the engine's invariants.
 *
 * <p>Invariants kept here: a chunk becomes CLEAN only in the batch that records its durable
 * pack; only CLEAN chunks are evicted, never one a pinned volume references; a pack's live
 * counter is the sum of the sealed lengths of the chunk records locating into it. Every change
 * of a chunk record takes that chunk's ID lock, like {@link BlockEngine#apply}, and re-reads
 * the record under it, so a concurrent write or delete is never overwritten. Content addressing
 * makes the commit safe even when a chunk was deleted and written again during an upload: the
 * same ID is the same bytes.
 *
 * <p>Heat: a chunk's age is the time of its last use, write or read. Reads are noted in memory
 * by the engine and written into the records (and the index) before each selection here, so a
 * chunk that keeps being read is neither uploaded for being cold nor evicted before colder
 * ones.
 *
 * <p>Cost: nothing here scans the chunk records. The {@link TierIndex} (kept in the same batch
 * as every record change) orders dirty and evictable chunks by last use and groups chunks by
 * pack, so selecting cold dirty chunks, the coldest clean ones, or a pack's chunks is a range
 * scan proportional to what it returns, and {@link #dirtyBytes} is a counter read.
 */
public final class ChunkTierStore {
  private static final int LOCK_BATCH = 64;

  private final BlockEngine engine;
  private final Object packLock = new Object();

  ChunkTierStore(BlockEngine engine) {
    this.engine = engine;
  }

  private KvStore kv() {
    return engine.store();
  }

  /**
   * A dirty chunk to upload: its ID, stored bytes (chunk header included), last use, and the
   * (volume id, chunk index) of the write that last referenced it.
   */
  public record DirtyChunk(byte[] id, byte[] stored, long lastUseMillis, long volumeId,
      long chunkIndex) {}

  /** Where one uploaded chunk's sealed record lies in its pack. */
  public record Placement(byte[] id, int recordIndex, long offset, int sealedLength) {}

  /** A pack with its live and dead sealed bytes. */
  public record PackInfo(long number, PackRecord record, long liveBytes, long deadBytes) {}

  /** A chunk of a pack, for repacking: ID, state and whether its bytes are local. */
  public record PackedChunk(byte[] id, boolean local, int recordIndex, long offset,
      int sealedLength) {}

  /**
   * Dirty chunks of no pinned volume last used (written or read) at or before {@code
   * usedBefore}: the oldest first, up to {@code maxBytes} of stored bytes (at least one when any
   * qualifies), returned in the order of the volume block they were last written at, so that a
   * pack filled in this order keeps neighbouring blocks together.
   */
  public List<DirtyChunk> dirtyChunks(long usedBefore, long maxBytes) {
    return dirtyChunks(usedBefore, maxBytes, id -> false);
  }

  /**
   * Like {@link #dirtyChunks(long, long)}, passing over the chunks {@code skip} accepts (chunks
   * already on their way to the cloud): they count nothing and their bytes are not read.
   */
  public List<DirtyChunk> dirtyChunks(long usedBefore, long maxBytes, Predicate<byte[]> skip) {
    engine.flushHeat();
    record Cand(byte[] id, long used, long volume, long index) {}
    List<Cand> chosen = new ArrayList<>();
    long bytes = 0;
    try (KvSnapshot snap = kv().snapshot()) {
      try (KvIterator it = snap.scan(Column.TIERINDEX, TierIndex.from(TierIndex.DIRTY, 0),
          TierIndex.through(TierIndex.DIRTY, usedBefore))) {
        for (; it.valid() && bytes < maxBytes; it.next()) {
          byte[] k = it.key();
          if (skip.test(TierIndex.id(k))) {
            continue;
          }
          byte[] v = it.value();
          chosen.add(new Cand(TierIndex.id(k), TierIndex.order(k), Keys.getLong(v, 0),
              Keys.getLong(v, 8)));
          bytes += Keys.getInt(v, 16);
        }
      }
      chosen.sort(Comparator.comparingLong(Cand::volume).thenComparingLong(Cand::index));
      List<byte[]> ids = new ArrayList<>(chosen.size());
      for (Cand c : chosen) {
        ids.add(c.id());
      }
      List<byte[]> data = snap.multiGet(Column.CHUNKDATA, ids);
      List<DirtyChunk> out = new ArrayList<>(ids.size());
      for (int i = 0; i < ids.size(); i++) {
        if (data.get(i) != null) {
          Cand c = chosen.get(i);
          out.add(new DirtyChunk(c.id(), data.get(i), c.used(), c.volume(), c.index()));
        }
      }
      return out;
    }
  }

  /**
   * Stored bytes of dirty chunks waiting for the cloud (a counter); chunks of pinned volumes are
   * not waiting for anything and are not counted.
   */
  public long dirtyBytes() {
    return kv().counter(TierIndex.DIRTY_BYTES);
  }

  /** Local stored chunk bytes (dirty and clean). */
  public long localBytes() {
    return engine.storedBytesNow();
  }

  /** The engine's local capacity limit. */
  public long capacityBytes() {
    return engine.config().capacityBytes();
  }

  /**
   * Records a durable pack and points its chunks at it, in one synced batch. Dirty chunks become
   * CLEAN. With {@code fromPack >= 0} (a repack) chunks still located in {@code fromPack} move
   * to the new pack and keep their state, and their old records become dead there. A placement
   * whose chunk is gone, or no longer where this commit expects it, is counted dead at once.
   *
   * @return the new pack's number
   */
  public long commitPack(PackRecord pack, List<Placement> placements, long fromPack) {
    synchronized (packLock) {
      long number = kv().counter(Layout.NEXT_PACK) + 1;
      int[] stripes = new int[placements.size()];
      List<byte[]> ids = new ArrayList<>(placements.size());
      for (int i = 0; i < stripes.length; i++) {
        stripes[i] = engine.idLocks().stripe(placements.get(i).id());
        ids.add(placements.get(i).id());
      }
      int[] locked = engine.idLocks().lockAll(stripes);
      try (KvBatch b = kv().newBatch()) {
        List<byte[]> raws = kv().multiGet(Column.CHUNKS, ids);
        long live = 0;
        long dead = 0;
        for (int i = 0; i < placements.size(); i++) {
          Placement p = placements.get(i);
          byte[] raw = raws.get(i);
          ChunkRecord r = raw == null ? null : ChunkRecord.decode(raw);
          boolean take;
          if (fromPack < 0) {
            take = r != null && r.state() == ChunkRecord.DIRTY;
          } else {
            take = r != null && r.inCloud() && r.packNumber() == fromPack;
          }
          if (!take) {
            dead += p.sealedLength();
            continue;
          }
          ChunkRecord moved = r.clean(number, p.recordIndex(), p.offset(), p.sealedLength());
          if (fromPack >= 0) {
            moved = moved.withState(r.state());
            b.add(Layout.packCounterKey(fromPack, Layout.PACK_LIVE), -r.sealedLength());
            b.add(Layout.packCounterKey(fromPack, Layout.PACK_DEAD), r.sealedLength());
          }
          b.put(Column.CHUNKS, p.id(), moved.encode());
          TierIndex.update(b, p.id(), r, moved);
          live += p.sealedLength();
        }
        b.put(Column.PACKS, Layout.packKey(number), pack.encode());
        b.add(Layout.NEXT_PACK, 1);
        b.add(Layout.packCounterKey(number, Layout.PACK_LIVE), live);
        b.add(Layout.packCounterKey(number, Layout.PACK_DEAD), dead);
        kv().write(b, true);
      } finally {
        engine.idLocks().unlockAll(locked);
      }
      return number;
    }
  }

  /**
   * Evicts clean chunks of no pinned volume, coldest (least recently used) first, until {@code
   * bytes} of local stored bytes are freed or none is left.
   *
   * @return bytes freed
   */
  public long evict(long bytes) {
    engine.flushHeat();
    long freed = 0;
    while (freed < bytes) {
      List<byte[]> coldest = coldestClean(4096);
      if (coldest.isEmpty()) {
        break;
      }
      long round = 0;
      for (int i = 0; i < coldest.size() && freed + round < bytes; i += LOCK_BATCH) {
        round += evictLocked(coldest.subList(i, Math.min(coldest.size(), i + LOCK_BATCH)),
            bytes - freed - round);
      }
      freed += round;
      if (coldest.size() < 4096 || round == 0) {
        break;
      }
    }
    return freed;
  }

  /** Up to {@code limit} evictable chunks, coldest first (a range scan of the index). */
  private List<byte[]> coldestClean(int limit) {
    List<byte[]> out = new ArrayList<>();
    try (KvIterator it = kv().scanPrefix(Column.TIERINDEX, new byte[] {TierIndex.CLEAN})) {
      for (; it.valid() && out.size() < limit; it.next()) {
        out.add(TierIndex.id(it.key()));
      }
    }
    return out;
  }

  /** Evicts chunks of {@code ids}, in order, until {@code budget} bytes are freed. */
  private long evictLocked(List<byte[]> ids, long budget) {
    int[] stripes = new int[ids.size()];
    for (int i = 0; i < stripes.length; i++) {
      stripes[i] = engine.idLocks().stripe(ids.get(i));
    }
    int[] locked = engine.idLocks().lockAll(stripes);
    long freed = 0;
    try (KvBatch b = kv().newBatch()) {
      List<byte[]> raws = kv().multiGet(Column.CHUNKS, ids);
      for (int i = 0; i < ids.size() && freed < budget; i++) {
        byte[] raw = raws.get(i);
        ChunkRecord r = raw == null ? null : ChunkRecord.decode(raw);
        if (r == null || !r.evictable()) {
          continue;
        }
        ChunkRecord evicted = r.withState(ChunkRecord.EVICTED);
        b.put(Column.CHUNKS, ids.get(i), evicted.encode());
        TierIndex.update(b, ids.get(i), r, evicted);
        b.delete(Column.CHUNKDATA, ids.get(i));
        freed += r.storedLength();
      }
      if (freed > 0) {
        b.add(Layout.STORED_BYTES, -freed);
        kv().write(b, false);
        engine.storedBytesChanged(-freed);
      }
    } finally {
      engine.idLocks().unlockAll(locked);
    }
    return freed;
  }

  /**
   * Where bytes read back from the cloud enter the engine: checks them once (they must decode
   * and hash to {@code id}), then puts them into the local store as CLEAN when the chunk is
   * still evicted and the capacity allows.
   *
   * @throws io.tiergate.iscsi.spi.BlockDeviceException UNRECOVERED_READ_ERROR on a mismatch
   *     (nothing is stored)
   */
  public AdmittedChunk admit(byte[] id, byte[] stored) {
    engine.verifyStored(id, stored);
    reinsert(id, stored);
    return new AdmittedChunk(stored);
  }

  /**
   * The local stored bytes of chunk {@code id} as an admitted chunk (they were checked, or
   * written here, when they entered the local store), or null when evicted or gone.
   */
  public AdmittedChunk localChunk(byte[] id) {
    byte[] b = localBytes(id);
    return b == null ? null : new AdmittedChunk(b);
  }

  /** Puts checked bytes of an evicted chunk back as CLEAN; true when re-inserted. */
  private boolean reinsert(byte[] id, byte[] stored) {
    int[] locked = engine.idLocks().lockAll(new int[] {engine.idLocks().stripe(id)});
    try (KvBatch b = kv().newBatch()) {
      byte[] raw = kv().get(Column.CHUNKS, id);
      ChunkRecord r = raw == null ? null : ChunkRecord.decode(raw);
      if (r == null || r.state() != ChunkRecord.EVICTED || r.storedLength() != stored.length
          || engine.storedBytesNow() + stored.length > engine.config().capacityBytes()) {
        return false;
      }
      // Just read: it counts as recently used, so eviction takes it last.
      ChunkRecord back = r.usedAt(System.currentTimeMillis()).withState(ChunkRecord.CLEAN);
      b.put(Column.CHUNKS, id, back.encode());
      TierIndex.update(b, id, r, back);
      b.put(Column.CHUNKDATA, id, stored);
      b.add(Layout.STORED_BYTES, stored.length);
      kv().write(b, false);
      engine.storedBytesChanged(stored.length);
      return true;
    } finally {
      engine.idLocks().unlockAll(locked);
    }
  }

  /**
   * Checks bytes read back from the cloud for chunk {@code id} (decode and keyed hash) without
   * admitting them (a repack, which only passes them on to a new pack).
   *
   * @throws io.tiergate.iscsi.spi.BlockDeviceException UNRECOVERED_READ_ERROR on a mismatch
   */
  public void verify(byte[] id, byte[] stored) {
    engine.verifyStored(id, stored);
  }

  /** The pack numbered {@code number}, or null. */
  public PackRecord pack(long number) {
    byte[] raw = kv().get(Column.PACKS, Layout.packKey(number));
    return raw == null ? null : PackRecord.decode(raw);
  }

  /** Every pack with its counters. */
  public List<PackInfo> packs() {
    List<PackInfo> out = new ArrayList<>();
    try (KvSnapshot snap = kv().snapshot(); KvIterator it = snap.scan(Column.PACKS, new byte[0],
        null)) {
      for (; it.valid(); it.next()) {
        long n = Keys.getLong(it.key(), 0);
        out.add(new PackInfo(n, PackRecord.decode(it.value()),
            snap.counter(Layout.packCounterKey(n, Layout.PACK_LIVE)),
            snap.counter(Layout.packCounterKey(n, Layout.PACK_DEAD))));
      }
    }
    return out;
  }

  /** The live chunks located in pack {@code number} (a prefix scan of the index). */
  public List<PackedChunk> chunksIn(long number) {
    List<PackedChunk> out = new ArrayList<>();
    try (KvIterator it = kv().scanPrefix(Column.TIERINDEX,
        TierIndex.from(TierIndex.PACK, number))) {
      for (; it.valid(); it.next()) {
        byte[] v = it.value();
        out.add(new PackedChunk(TierIndex.id(it.key()), v[0] != ChunkRecord.EVICTED,
            Keys.getInt(v, 1), Keys.getLong(v, 5), Keys.getInt(v, 13)));
      }
    }
    return out;
  }

  /** The local stored bytes of chunk {@code id}, or null when evicted or gone. */
  public byte[] localBytes(byte[] id) {
    return kv().get(Column.CHUNKDATA, id);
  }

  /**
   * Marks pack {@code number} dead when no live record is left in it.
   *
   * @return true when it is (now or already) dead
   */
  public boolean markDeadIfEmpty(long number, long now) {
    synchronized (packLock) {
      PackRecord p = pack(number);
      if (p == null) {
        return false;
      }
      if (p.dead()) {
        return true;
      }
      // A live counter of zero is final: chunks only ever leave a sealed pack.
      if (kv().counter(Layout.packCounterKey(number, Layout.PACK_LIVE)) != 0) {
        return false;
      }
      try (KvBatch b = kv().newBatch()) {
        b.put(Column.PACKS, Layout.packKey(number), p.markDead(now).encode());
        kv().write(b, true);
      }
      return true;
    }
  }

  /** Forgets dead packs whose objects were deleted from the cloud. */
  public void forgetPacks(List<Long> numbers) {
    synchronized (packLock) {
      try (KvBatch b = kv().newBatch()) {
        for (long n : numbers) {
          PackRecord p = pack(n);
          if (p == null || !p.dead()) {
            throw new IllegalStateException("pack " + n + " is not dead");
          }
          b.delete(Column.PACKS, Layout.packKey(n));
          b.delete(Column.META, Layout.packCounterKey(n, Layout.PACK_LIVE));
          b.delete(Column.META, Layout.packCounterKey(n, Layout.PACK_DEAD));
        }
        kv().write(b, true);
      }
    }
  }
}
