package io.tiergate.gateway.engine;

import io.tiergate.gateway.engine.BlockEngine.Content;
import io.tiergate.gateway.kv.Column;
import io.tiergate.gateway.kv.KvBatch;
import io.tiergate.gateway.kv.KvIterator;
import io.tiergate.gateway.kv.KvSnapshot;
import io.tiergate.gateway.kv.KvStore;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local snapshots, clones and restores of the engine's volumes.
 *
 * <p>Layout: the live map stays complete, and its entries carry the epoch they were born in.
 * Each volume has a last epoch; a snapshot takes the next one, E, so entries written before it
 * are born before E and entries written after it are born at E. Creating a snapshot writes its
 * record and bumps the epoch: O(1), no block-map entry copied. A write that changes an entry
 * the newest snapshot still sees moves that entry (its preimage) to the snapshot's delta (V, E,
 * i) in the write's own batch, with its reference (see {@link BlockMapChange}); reading the
 * live volume is one lookup however many snapshots exist. Reading a snapshot is {@link
 * SnapshotReader}'s walk over the deltas of the snapshots from it to the newest, then the live
 * map.
 *
 * <p>Concurrency: each volume has a map lock that every write holds shared from before its
 * block locks to its commit; creating a snapshot holds it exclusively (a group's in volume-id
 * order) while it writes the records, so every write acknowledged before the snapshot is in it
 * and none acknowledged after. Deleting a volume's newest snapshot and restoring a volume
 * hold it exclusively throughout; deleting an older snapshot does not need it, since writes
 * only touch the newest delta. Administrative operations are serialised by the engine's admin
 * lock. Readers take a store snapshot, then work out the deltas to read from this registry; a
 * snapshot record removed in between makes them try again ({@link #removals}).
 *
 * <p>Deleting a snapshot walks its delta in batches: each entry moves to the next-older
 * snapshot's delta when that one has none at the index (that snapshot sees it), otherwise its
 * reference is dropped, freeing the chunk at zero. The record is marked deleting first and
 * removed last; each batch removes the entries it handles, so a crash resumes at the next
 * open where it stopped, and never drops a reference twice. A restore first takes a snapshot
 * of the current state and records itself in the same batch, then sets every index at which
 * the snapshot differs from the live map (the indices of the deltas from the snapshot on) to
 * the snapshot's entry, in batches of ordinary writes, each followed by the record's new
 * progress; a crash resumes from there at the next open, before any volume is served (redoing
 * a batch is harmless).
 */
final class Snapshots {
  private static final Logger log = LoggerFactory.getLogger(Snapshots.class);
  private static final long[] NO_EPOCHS = new long[0];
  static final int MAX_DESCRIPTION = 1024;

  /**
   * Called after each batch of a snapshot creation, deletion or restore: lets the crash test
   * stop the process between two batches. Null in production.
   */
  static volatile Runnable afterBatch;

  private final BlockEngine engine;
  private final KvStore kv;
  private final Map<Long, Layout.SnapshotRecord> byId = new ConcurrentHashMap<>();
  /** Bumped after each snapshot record is removed: readers that saw it must retry. */
  private final AtomicLong removals = new AtomicLong();

  Snapshots(BlockEngine engine, KvStore kv) {
    this.engine = engine;
    this.kv = kv;
  }

  /** Loads the snapshot records. */
  void load() {
    try (KvIterator it = kv.scan(Column.VOLUMES, new byte[0], null)) {
      for (; it.valid(); it.next()) {
        byte[] k = it.key();
        if (k.length == 17 && k[8] == Layout.VOLUME_SNAPSHOT) {
          Layout.SnapshotRecord r = Layout.SnapshotRecord.decode(k, it.value());
          byId.put(r.id(), r);
        }
      }
    }
  }

  /** The epochs a volume starts with after open. */
  BlockMapChange.Epochs epochsAtOpen(long volumeId, boolean clone) {
    long last = kv.counter(Layout.volumeCounterKey(volumeId, Layout.VOL_EPOCH));
    return new BlockMapChange.Epochs(last, newestEpoch(volumeId), clone);
  }

  /** Finishes what a crash interrupted: snapshot deletions, then restores. */
  void resume() {
    for (Layout.SnapshotRecord r : List.copyOf(byId.values())) {
      if (r.state() == Layout.SnapshotState.DELETING) {
        Volume v = engine.volumeById(r.volumeId());
        if (v != null) {
          log.info("resuming deletion of snapshot {}", r.id());
          delete(r.id(), true);
        }
      }
    }
    try (KvIterator it = kv.scanPrefix(Column.META, "r/".getBytes())) {
      List<Layout.RestoreRecord> todo = new ArrayList<>();
      for (; it.valid(); it.next()) {
        todo.add(Layout.RestoreRecord.decode(it.key(), it.value()));
      }
      for (Layout.RestoreRecord r : todo) {
        Volume v = engine.volumeById(r.volumeId());
        log.info("resuming the restore of volume {} to snapshot {}",
            v == null ? r.volumeId() : v.info().name(), r.snapshotId());
        if (v != null && byId.containsKey(r.snapshotId())) {
          runRestore(v, byId.get(r.snapshotId()), r);
        }
        try (KvBatch b = kv.newBatch()) {
          b.delete(Column.META, Layout.restoreKey(r.volumeId()));
          kv.write(b, true);
        }
      }
    }
  }

  // ------------------------------------------------------------------ queries

  SnapshotInfo info(Layout.SnapshotRecord r) {
    Volume v = engine.volumeById(r.volumeId());
    return new SnapshotInfo(r.id(), v == null ? "" : v.info().name(), r.epoch(),
        r.createdMillis(), r.description(), r.groupId(), r.policy());
  }

  Layout.SnapshotRecord record(long id) {
    Layout.SnapshotRecord r = byId.get(id);
    if (r == null || r.state() != Layout.SnapshotState.ACTIVE) {
      throw new EngineException(EngineException.Code.NO_SUCH_SNAPSHOT, "no snapshot " + id);
    }
    return r;
  }

  /** Every record of a volume (deleting ones too), oldest first. */
  List<Layout.SnapshotRecord> of(long volumeId) {
    List<Layout.SnapshotRecord> out = new ArrayList<>();
    for (Layout.SnapshotRecord r : byId.values()) {
      if (r.volumeId() == volumeId) {
        out.add(r);
      }
    }
    out.sort(Comparator.comparingLong(Layout.SnapshotRecord::epoch));
    return out;
  }

  /** All records, for the verifier. */
  List<Layout.SnapshotRecord> all() {
    List<Layout.SnapshotRecord> out = new ArrayList<>(byId.values());
    out.sort(Comparator.comparingLong(Layout.SnapshotRecord::id));
    return out;
  }

  /** Active snapshots of a volume (0: of all volumes), oldest first. */
  List<SnapshotInfo> list(long volumeId) {
    List<Layout.SnapshotRecord> rs = new ArrayList<>();
    for (Layout.SnapshotRecord r : byId.values()) {
      if ((volumeId == 0 || r.volumeId() == volumeId)
          && r.state() == Layout.SnapshotState.ACTIVE) {
        rs.add(r);
      }
    }
    rs.sort(Comparator.comparingLong(Layout.SnapshotRecord::id));
    return rs.stream().map(this::info).toList();
  }

  private long newestEpoch(long volumeId) {
    long newest = 0;
    for (Layout.SnapshotRecord r : byId.values()) {
      if (r.volumeId() == volumeId) {
        newest = Math.max(newest, r.epoch());
      }
    }
    return newest;
  }

  /** What snapshot {@code id} sees, from the current registry. */
  SnapshotReader.Source source(long id) {
    Layout.SnapshotRecord s = byId.get(id);
    if (s == null) {
      throw new EngineException(EngineException.Code.NO_SUCH_SNAPSHOT, "no snapshot " + id);
    }
    List<Layout.SnapshotRecord> rs = of(s.volumeId());
    long[] epochs = rs.stream().mapToLong(Layout.SnapshotRecord::epoch)
        .filter(e -> e >= s.epoch()).toArray();
    return new SnapshotReader.Source(s.volumeId(), epochs, originSource(s.volumeId()));
  }

  /** The source a volume's live map falls through to: its origin's, or null. */
  SnapshotReader.Source originSource(long volumeId) {
    Volume v = engine.volumeById(volumeId);
    long origin = v == null ? 0 : v.origin();
    return origin == 0 ? null : source(origin);
  }

  /** The live map of a volume, with its origin. */
  SnapshotReader.Source liveSource(Volume v) {
    return new SnapshotReader.Source(v.info().id(), NO_EPOCHS,
        v.origin() == 0 ? null : source(v.origin()));
  }

  /**
   * Runs {@code read} on a store snapshot with the source {@code sourceOf} gives then:
   * consistent with each other (retried if a snapshot record went away in between).
   */
  <T> T read(java.util.function.Supplier<SnapshotReader.Source> sourceOf,
      BiFunction<KvSnapshot, SnapshotReader.Source, T> read) {
    while (true) {
      long seen = removals.get();
      try (KvSnapshot snap = kv.snapshot()) {
        SnapshotReader.Source src = sourceOf.get();
        if (removals.get() != seen) {
          continue;
        }
        return read.apply(snap, src);
      }
    }
  }

  /** Space of snapshot {@code id}: its delta, and the chunks only it refers to. */
  SnapshotSpace space(long id) {
    Layout.SnapshotRecord r = record(id);
    long entries = 0;
    long withChunk = 0;
    long exclusive = 0;
    Map<ByteBuffer, long[]> counts = new HashMap<>();
    try (KvSnapshot snap = kv.snapshot(); KvIterator it = snap.scan(Column.BLOCKMAP,
        Layout.blockKey(r.volumeId(), r.epoch(), 0),
        Layout.blockKey(r.volumeId(), r.epoch() + 1, 0))) {
      for (; it.valid(); it.next()) {
        entries++;
        byte[] cid = Layout.chunkId(it.value());
        if (cid != null) {
          withChunk++;
          counts.computeIfAbsent(ByteBuffer.wrap(cid), k -> new long[1])[0]++;
        }
      }
      List<ByteBuffer> ids = new ArrayList<>(counts.keySet());
      for (int from = 0; from < ids.size(); from += 256) {
        List<ByteBuffer> part = ids.subList(from, Math.min(ids.size(), from + 256));
        List<byte[]> recs = snap.multiGet(Column.CHUNKS,
            part.stream().map(ByteBuffer::array).toList());
        for (int k = 0; k < part.size(); k++) {
          if (recs.get(k) != null) {
            ChunkRecord c = ChunkRecord.decode(recs.get(k));
            if (c.refcount() == counts.get(part.get(k))[0]) {
              exclusive += c.storedLength();
            }
          }
        }
      }
    }
    return new SnapshotSpace(entries, withChunk, exclusive);
  }

  // ------------------------------------------------------------------ create

  /**
   * Takes one snapshot of each of {@code volumes} at one point of their write order. The
   * caller holds the admin lock.
   */
  List<SnapshotInfo> create(List<Volume> volumes, String description, boolean policy) {
    if (description == null || description.length() > MAX_DESCRIPTION) {
      throw new EngineException(EngineException.Code.INVALID_ARGUMENT,
          "description must be at most " + MAX_DESCRIPTION + " characters");
    }
    if (volumes.isEmpty()) {
      throw new EngineException(EngineException.Code.INVALID_ARGUMENT, "no volume to snapshot");
    }
    List<Volume> sorted = new ArrayList<>(volumes);
    sorted.sort(Comparator.comparingLong(v -> v.info().id()));
    for (int k = 1; k < sorted.size(); k++) {
      if (sorted.get(k).info().id() == sorted.get(k - 1).info().id()) {
        throw new EngineException(EngineException.Code.INVALID_ARGUMENT,
            "volume named twice: " + sorted.get(k).info().name());
      }
    }
    List<Lock> held = new ArrayList<>();
    try {
      for (Volume v : sorted) {
        Lock l = v.mapLock().writeLock();
        l.lock();
        held.add(l);
      }
      List<Layout.SnapshotRecord> made;
      try (KvBatch b = kv.newBatch()) {
        made = addSnapshots(b, sorted, description, policy);
        kv.write(b, true);
      }
      batchDone();
      return installed(sorted, made);
    } finally {
      for (int k = held.size() - 1; k >= 0; k--) {
        held.get(k).unlock();
      }
    }
  }

  /** Adds the records of new snapshots of {@code sorted} (map locks held) to a batch. */
  private List<Layout.SnapshotRecord> addSnapshots(KvBatch b, List<Volume> sorted,
      String description, boolean policy) {
    long first = kv.counter(Layout.NEXT_SNAPSHOT_ID) + 1;
    long now = System.currentTimeMillis();
    List<Layout.SnapshotRecord> made = new ArrayList<>();
    b.add(Layout.NEXT_SNAPSHOT_ID, sorted.size());
    for (int k = 0; k < sorted.size(); k++) {
      Volume v = sorted.get(k);
      long epoch = v.epochs().birth() + 1;
      Layout.SnapshotRecord r = new Layout.SnapshotRecord(first + k, v.info().id(), epoch, now,
          description, sorted.size() > 1 ? first : 0, policy, Layout.SnapshotState.ACTIVE);
      b.add(Layout.volumeCounterKey(v.info().id(), Layout.VOL_EPOCH), 1);
      b.put(Column.VOLUMES, Layout.snapshotKey(v.info().id(), epoch), r.encode());
      made.add(r);
    }
    return made;
  }

  /** Makes written snapshot records visible to writes and readers. */
  private List<SnapshotInfo> installed(List<Volume> sorted, List<Layout.SnapshotRecord> made) {
    List<SnapshotInfo> out = new ArrayList<>();
    for (int k = 0; k < sorted.size(); k++) {
      Volume v = sorted.get(k);
      Layout.SnapshotRecord r = made.get(k);
      byId.put(r.id(), r);
      v.setEpochs(new BlockMapChange.Epochs(r.epoch(), r.epoch(), v.origin() != 0));
      out.add(info(r));
      log.info("snapshot {} of volume {} at epoch {}", r.id(), v.info().name(), r.epoch());
    }
    return out;
  }

  // ------------------------------------------------------------------ delete

  /** Volumes (clones) whose origin is snapshot {@code id}. */
  List<String> clonesOf(long id) {
    List<String> out = new ArrayList<>();
    for (VolumeInfo i : engine.listVolumes()) {
      Volume v = engine.findVolume(i.name());
      if (v != null && v.origin() == id) {
        out.add(i.name());
      }
    }
    return out;
  }

  /** Deletes snapshot {@code id}; the caller holds the admin lock. */
  void delete(long id, boolean resuming) {
    Layout.SnapshotRecord r = resuming ? byId.get(id) : record(id);
    List<String> clones = clonesOf(id);
    if (!clones.isEmpty()) {
      throw new EngineException(EngineException.Code.SNAPSHOT_IN_USE,
          "snapshot " + id + " is the origin of clone(s) " + clones);
    }
    Volume v = engine.volumeById(r.volumeId());
    boolean newest = r.epoch() == newestEpoch(r.volumeId());
    Lock lock = newest ? v.mapLock().writeLock() : null;
    if (lock != null) {
      lock.lock();
    }
    try {
      if (r.state() != Layout.SnapshotState.DELETING) {
        r = r.withState(Layout.SnapshotState.DELETING);
        try (KvBatch b = kv.newBatch()) {
          b.put(Column.VOLUMES, Layout.snapshotKey(r.volumeId(), r.epoch()), r.encode());
          kv.write(b, true);
        }
        byId.put(r.id(), r);
      }
      long older = 0;
      for (Layout.SnapshotRecord o : of(r.volumeId())) {
        if (o.epoch() < r.epoch()) {
          older = o.epoch();
        }
      }
      dropDelta(v.info(), r.epoch(), older);
      try (KvBatch b = kv.newBatch()) {
        b.delete(Column.VOLUMES, Layout.snapshotKey(r.volumeId(), r.epoch()));
        kv.write(b, true);
      }
      byId.remove(r.id());
      removals.incrementAndGet();
      if (newest) {
        BlockMapChange.Epochs e = v.epochs();
        v.setEpochs(
            new BlockMapChange.Epochs(e.birth(), newestEpoch(r.volumeId()), e.isClone()));
      }
      log.info("deleted snapshot {} of volume {}", r.id(), v.info().name());
    } finally {
      if (lock != null) {
        lock.unlock();
      }
    }
  }

  /**
   * Empties the delta of {@code epoch} in batches: entries move to the delta of {@code older}
   * where it has none (0: no older snapshot), the others' references are dropped.
   */
  private void dropDelta(VolumeInfo volume, long epoch, long older) {
    int group = engine.config().maxChunksPerBatch();
    byte[] end = Layout.blockKey(volume.id(), epoch + 1, 0);
    while (true) {
      List<byte[]> keys = new ArrayList<>(group);
      List<byte[]> values = new ArrayList<>(group);
      try (KvIterator it = kv.scan(Column.BLOCKMAP, Layout.blockKey(volume.id(), epoch, 0),
          end)) {
        for (; it.valid() && keys.size() < group; it.next()) {
          keys.add(it.key());
          values.add(it.value());
        }
      }
      if (keys.isEmpty()) {
        return;
      }
      List<byte[]> olderKeys = new ArrayList<>(keys.size());
      for (byte[] k : keys) {
        olderKeys.add(Layout.blockKey(volume.id(), older, Layout.blockKeyIndex(k)));
      }
      List<byte[]> there = older > 0 ? kv.multiGet(Column.BLOCKMAP, olderKeys) : null;
      List<byte[]> dropped = new ArrayList<>();
      try (KvBatch b = kv.newBatch()) {
        for (int k = 0; k < keys.size(); k++) {
          b.delete(Column.BLOCKMAP, keys.get(k));
          if (there != null && there.get(k) == null) {
            b.put(Column.BLOCKMAP, olderKeys.get(k), values.get(k));
          } else {
            byte[] cid = Layout.chunkId(values.get(k));
            if (cid != null) {
              dropped.add(cid);
            }
          }
        }
        engine.commitReferenceDrops(volume, dropped, b);
      }
      batchDone();
    }
  }

  /** Deletes every snapshot of a volume that goes away (no clone depends on them). */
  void purge(VolumeInfo volume) {
    List<Layout.SnapshotRecord> rs = of(volume.id());
    for (int k = rs.size() - 1; k >= 0; k--) {
      Layout.SnapshotRecord r = rs.get(k);
      dropDelta(volume, r.epoch(), 0);
      try (KvBatch b = kv.newBatch()) {
        b.delete(Column.VOLUMES, Layout.snapshotKey(volume.id(), r.epoch()));
        kv.write(b, true);
      }
      byId.remove(r.id());
      removals.incrementAndGet();
    }
  }

  /** Names of clones of any snapshot of {@code volumeId}. */
  List<String> clonesOfVolume(long volumeId) {
    List<String> out = new ArrayList<>();
    for (Layout.SnapshotRecord r : of(volumeId)) {
      out.addAll(clonesOf(r.id()));
    }
    return out;
  }

  // ------------------------------------------------------------------ restore

  /**
   * Makes the live map of {@code v} equal snapshot {@code id}, after taking a snapshot of its
   * current state (returned). The caller holds the admin lock.
   */
  SnapshotInfo restore(Volume v, long id) {
    Layout.SnapshotRecord s = record(id);
    if (s.volumeId() != v.info().id()) {
      throw new EngineException(EngineException.Code.INVALID_ARGUMENT,
          "snapshot " + id + " is not a snapshot of volume " + v.info().name());
    }
    Lock lock = v.mapLock().writeLock();
    lock.lock();
    try {
      List<Layout.SnapshotRecord> made;
      Layout.RestoreRecord marker;
      try (KvBatch b = kv.newBatch()) {
        made = addSnapshots(b, List.of(v), "before restore to snapshot " + id, false);
        marker = new Layout.RestoreRecord(v.info().id(), id, made.get(0).id(), 0);
        b.put(Column.META, Layout.restoreKey(v.info().id()), marker.encode());
        kv.write(b, true);
      }
      batchDone();
      SnapshotInfo undo = installed(List.of(v), made).get(0);
      runRestore(v, s, marker);
      try (KvBatch b = kv.newBatch()) {
        b.delete(Column.META, Layout.restoreKey(v.info().id()));
        kv.write(b, true);
      }
      log.info("restored volume {} to snapshot {} (undo: snapshot {})", v.info().name(), id,
          undo.id());
      return undo;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sets the live entries where snapshot {@code s} differs, from the marker's index on, and
   * moves the marker after each batch (written after the batch, so never ahead of it).
   * Idempotent: redoing a batch finds its entries equal already.
   */
  private void runRestore(Volume v, Layout.SnapshotRecord s, Layout.RestoreRecord marker) {
    long vol = v.info().id();
    long[] epochs = of(vol).stream().mapToLong(Layout.SnapshotRecord::epoch)
        .filter(e -> e >= s.epoch()).toArray();
    int group = engine.config().maxChunksPerBatch();
    long next = marker.next();
    while (true) {
      TreeSet<Long> found = new TreeSet<>();
      for (long e : epochs) {
        try (KvIterator it = kv.scan(Column.BLOCKMAP, Layout.blockKey(vol, e, next),
            Layout.blockKey(vol, e + 1, 0))) {
          for (int k = 0; it.valid() && k < group; it.next(), k++) {
            found.add(Layout.blockKeyIndex(it.key()));
          }
        }
      }
      if (found.isEmpty()) {
        return;
      }
      long[] idx = found.stream().limit(group).mapToLong(Long::longValue).toArray();
      byte[][] want;
      try (KvSnapshot snap = kv.snapshot()) {
        want = SnapshotReader.resolveOwn(snap, source(s.id()), idx, idx.length);
      }
      Content[] contents = new Content[idx.length];
      for (int k = 0; k < idx.length; k++) {
        byte[] w = want[k];
        contents[k] = w.length == 32 ? new Content(null, 0, 0, w)
            : w.length == 0 ? Content.ABSENT : null;
      }
      engine.apply(v, idx, contents, idx.length, false, false);
      next = idx[idx.length - 1] + 1;
      try (KvBatch b = kv.newBatch()) {
        b.put(Column.META, Layout.restoreKey(vol), new Layout.RestoreRecord(vol, s.id(),
            marker.undoSnapshotId(), next).encode());
        kv.write(b, false);
      }
      batchDone();
    }
  }

  private static void batchDone() {
    Runnable r = afterBatch;
    if (r != null) {
      r.run();
    }
  }
}
