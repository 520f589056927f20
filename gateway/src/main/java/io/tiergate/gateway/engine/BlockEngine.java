package io.tiergate.gateway.engine;

import io.tiergate.crypto.ChunkIdHasher;
import io.tiergate.gateway.ByteSizes;
import io.tiergate.gateway.kv.Column;
import io.tiergate.gateway.kv.KvBatch;
import io.tiergate.gateway.kv.KvException;
import io.tiergate.gateway.kv.KvIterator;
import io.tiergate.gateway.kv.KvSnapshot;
import io.tiergate.gateway.kv.KvStore;
import io.tiergate.gateway.kv.KvView;
import io.tiergate.gateway.kv.Keys;
import io.tiergate.iscsi.spi.BlockDeviceException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The block engine of one appliance: volumes, the deduplicated chunk store and its metadata,
 * all in one {@link KvStore}.
 *
 * <p>Write path: a volume cuts a command into chunk-aligned pieces, reads and merges partial
 * chunks, and hands whole chunk images to {@link #apply}. An all-zero image is a hole (no
 * mapping). Any other is named by its keyed hash; {@code apply} reads the old mappings and the
 * chunk records involved, turns mapping changes into refcount deltas per chunk ID, stores new
 * chunks (LZ4 when it pays), deletes chunks whose refcount reaches zero, adjusts the space
 * counters, and commits all of it in one batch: a crash keeps all or none of a command's
 * piece, so a chunk is never torn and a refcount never disagrees with the block map.
 *
 * <p>Concurrency: two lock families, both striped so memory is bounded. Block locks, keyed by
 * (volume, chunk index), serialise commands on the same chunk (including the read half of a
 * read-modify-write and the whole of compare-and-write); commands on different chunks run in
 * parallel. Chunk-ID locks serialise the read-modify-write of chunk records, which dedup shares
 * between unrelated block addresses. Order is always block locks, then ID locks, each in
 * ascending stripe order, so there is no deadlock. Readers take no lock: they read through a
 * store snapshot, in which a mapped chunk's bytes are always present.
 *
 * <p>Heat: a chunk's last use (write or read) is its tiering and eviction age. Writes set it in
 * their batch; reads only note the chunk in a bounded {@link HeatTracker}, whose notes reach the
 * records later and only when they advance the age by more than a granularity, so reads do not
 * become metadata writes.
 *
 * <p>Durability: unsynced batches go to the write-ahead log's OS buffers (they survive a killed
 * process); FUA writes are synced batches, and a flush syncs the log.
 *
 * <p>Space: counters of distinct chunks, their plaintext and stored bytes, and mapped chunks
 * per volume live in the meta family as merge counters updated in the same batch, so they are
 * exactly as durable as the data they count. The configured capacity limits stored chunk bytes.
 *
 * <p>Snapshots, clones and restores are {@link Snapshots}' work; this class only exposes them.
 */
public final class BlockEngine implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BlockEngine.class);
  private static final byte[] HASHER_CHECK_INPUT =
      "tiergate chunk-id key check v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] META_HASHER_CHECK = "chunk-id-check".getBytes();

  private static final int EXACT_LIMIT = 1 << 16;

  private final KvStore kv;
  private final EngineConfig config;
  private final ChunkHasher hasher;
  /** Heap for decoded images of recently read chunks: bounded, whatever the volume sizes. */
  static final long CHUNK_CACHE_BYTES = 64L << 20;

  private final StripedLocks blockLocks = new StripedLocks(4096);
  private final ChunkCache chunkCache = new ChunkCache(CHUNK_CACHE_BYTES);
  private final StripedLocks idLocks = new StripedLocks(1024);
  private final Map<String, Volume> volumes = new ConcurrentHashMap<>();
  private final Map<Long, Volume> volumesById = new ConcurrentHashMap<>();
  private final Snapshots snapshots;
  private final Object adminLock = new Object();
  private final AtomicLong storedBytes = new AtomicLong();
  private final ChunkTierStore tierStore = new ChunkTierStore(this);
  private final HeatTracker heat;
  private volatile ColdReader coldReader;
  private volatile ReadObserver readObserver = ReadObserver.NONE;
  private volatile SpaceReclaimer reclaimer;
  private volatile boolean closed;

  private BlockEngine(KvStore kv, EngineConfig config, Function<KvStore, ChunkHasher> hashers) {
    this.kv = kv;
    this.config = config;
    this.heat = new HeatTracker(this, config.heatGranularityMillis());
    this.hasher = hashers.apply(kv);
    this.snapshots = new Snapshots(this, kv);
    checkFormat();
    checkHasher();
    storedBytes.set(kv.counter(Layout.STORED_BYTES));
    snapshots.load();
    countChunkBytesOnce();
    loadVolumes();
    snapshots.resume();
  }

  /**
   * Opens the engine in {@code dir} with chunk IDs from {@code hasher}. A data directory
   * remembers a check value of its hasher and refuses another (a wrong key would silently
   * stop deduplication against everything stored before).
   */
  public static BlockEngine open(Path dir, EngineConfig config, ChunkHasher hasher) {
    return openWith(dir, config, kv -> hasher);
  }

  /**
   * Opens the engine with a random chunk-ID key kept in the store itself: for tests and for
   * appliances without a key ring. The key then protects nothing on this disk.
   */
  public static BlockEngine openWithLocalKey(Path dir, EngineConfig config) {
    return openWith(dir, config, kv -> {
      byte[] key = kv.get(Column.META, Layout.META_CHUNK_ID_KEY);
      if (key == null) {
        key = new byte[32];
        new SecureRandom().nextBytes(key);
        try (KvBatch b = kv.newBatch()) {
          b.put(Column.META, Layout.META_CHUNK_ID_KEY, key);
          kv.write(b, true);
        }
      }
      return ChunkHasher.of(ChunkIdHasher.withKey(key));
    });
  }

  private static BlockEngine openWith(Path dir, EngineConfig config,
      Function<KvStore, ChunkHasher> hashers) {
    KvStore kv;
    try {
      kv = KvStore.open(dir, config.kv());
    } catch (KvException e) {
      throw new EngineException(EngineException.Code.STORAGE, "cannot open store in " + dir, e);
    }
    try {
      return new BlockEngine(kv, config, hashers);
    } catch (RuntimeException e) {
      kv.close();
      throw e;
    }
  }

  private void checkFormat() {
    byte[] v = kv.get(Column.META, Layout.META_FORMAT);
    if (v == null) {
      byte[] f = new byte[4];
      Keys.putInt(f, 0, Layout.FORMAT_VERSION);
      try (KvBatch b = kv.newBatch()) {
        b.put(Column.META, Layout.META_FORMAT, f);
        kv.write(b, true);
      }
    } else if (Keys.getInt(v, 0) == Layout.FORMAT_NO_SNAPSHOTS) {
      // Every format 2 entry means the same in format 3: only the version changes.
      byte[] f = new byte[4];
      Keys.putInt(f, 0, Layout.FORMAT_VERSION);
      log.info("upgrading the data format from {} to {}: snapshots", Layout.FORMAT_NO_SNAPSHOTS,
          Layout.FORMAT_VERSION);
      try (KvBatch b = kv.newBatch()) {
        b.put(Column.META, Layout.META_FORMAT, f);
        kv.write(b, true);
      }
    } else if (Keys.getInt(v, 0) == Layout.FORMAT_NO_TIER_INDEX) {
      byte[] f = new byte[4];
      Keys.putInt(f, 0, Layout.FORMAT_VERSION);
      log.info("upgrading the data format from {} to {}: building the tiering index",
          Layout.FORMAT_NO_TIER_INDEX, Layout.FORMAT_VERSION);
      TierIndex.build(kv, Layout.META_FORMAT, f);
    } else if (Keys.getInt(v, 0) != Layout.FORMAT_VERSION) {
      throw new EngineException(EngineException.Code.UNSUPPORTED_FORMAT,
          "data format " + Keys.getInt(v, 0) + ", this version reads " + Layout.FORMAT_VERSION);
    }
  }

  /**
   * A database from before {@link Layout#CHUNK_BYTES} has chunks but no such counter (it is
   * never 0 while a chunk exists): count it once from the chunk records.
   */
  private void countChunkBytesOnce() {
    if (kv.counter(Layout.CHUNK_COUNT) == 0 || kv.counter(Layout.CHUNK_BYTES) != 0) {
      return;
    }
    long sum = 0;
    try (KvSnapshot snap = kv.snapshot();
        KvIterator it = snap.scan(Column.CHUNKS, new byte[0], null)) {
      for (; it.valid(); it.next()) {
        sum += ChunkRecord.decode(it.value()).storedLength();
      }
    }
    try (KvBatch b = kv.newBatch()) {
      b.add(Layout.CHUNK_BYTES, sum);
      kv.write(b, true);
    }
    log.info("counted the stored bytes of every chunk, local or in the cloud: {}", sum);
  }

  private void checkHasher() {
    byte[] check = hasher.hash(HASHER_CHECK_INPUT, 0, HASHER_CHECK_INPUT.length);
    byte[] stored = kv.get(Column.META, META_HASHER_CHECK);
    if (stored == null) {
      try (KvBatch b = kv.newBatch()) {
        b.put(Column.META, META_HASHER_CHECK, check);
        kv.write(b, true);
      }
    } else if (!Arrays.equals(stored, check)) {
      throw new EngineException(EngineException.Code.INVALID_ARGUMENT,
          "the chunk-ID key differs from the one this data directory was written with");
    }
  }

  private void loadVolumes() {
    List<Layout.VolumeRecord> deleting = new ArrayList<>();
    try (KvIterator it = kv.scan(Column.VOLUMES, new byte[0], null)) {
      for (; it.valid(); it.next()) {
        byte[] k = it.key();
        if (k.length != 9 || k[8] != Layout.VOLUME_CONFIG) {
          continue;
        }
        Layout.VolumeRecord r = Layout.VolumeRecord.decode(Keys.getLong(k, 0), it.value());
        if (r.state() == Layout.VolumeState.DELETING) {
          deleting.add(r);
        } else {
          Volume vol = new Volume(this, r.info(), r.origin(),
              snapshots.epochsAtOpen(r.info().id(), r.origin() != 0));
          volumes.put(r.info().name(), vol);
          volumesById.put(r.info().id(), vol);
        }
      }
    }
    for (Layout.VolumeRecord r : deleting) {
      log.info("resuming deletion of volume {}", r.info().name());
      purge(r.info());
    }
    log.info("engine open with {} volume(s)", volumes.size());
  }

  // ---------------------------------------------------------------- administration

  /** Creates a thin volume; nothing is allocated until it is written. */
  public Volume createVolume(VolumeSpec spec) {
    return createVolume(spec, 0);
  }

  private Volume createVolume(VolumeSpec spec, long origin) {
    synchronized (adminLock) {
      ensureOpen();
      if (volumes.containsKey(spec.name())) {
        throw new EngineException(EngineException.Code.VOLUME_EXISTS,
            "volume exists: " + spec.name());
      }
      long id = kv.counter(Layout.NEXT_VOLUME_ID) + 1;
      VolumeInfo info = new VolumeInfo(id, spec.name(), spec.sizeBytes(), spec.chunkSize(),
          spec.pinned(), UUID.randomUUID(), System.currentTimeMillis());
      try (KvBatch b = kv.newBatch()) {
        b.add(Layout.NEXT_VOLUME_ID, 1);
        b.put(Column.VOLUMES, Layout.volumeKey(id, Layout.VOLUME_CONFIG),
            new Layout.VolumeRecord(info, Layout.VolumeState.ACTIVE, origin).encode());
        kv.write(b, true);
      } catch (KvException e) {
        throw new EngineException(EngineException.Code.STORAGE, "cannot create volume", e);
      }
      Volume v = new Volume(this, info, origin,
          new BlockMapChange.Epochs(0, 0, origin != 0));
      volumes.put(spec.name(), v);
      volumesById.put(id, v);
      log.info("created volume {} ({} bytes, {} KiB chunks)", spec.name(), spec.sizeBytes(),
          spec.chunkSize() >> 10);
      return v;
    }
  }

  /** Grows a volume to {@code newSizeBytes}; shrinking is refused. */
  public void growVolume(String name, long newSizeBytes) {
    synchronized (adminLock) {
      Volume v = volume(name);
      VolumeInfo old = v.info();
      if (newSizeBytes < old.sizeBytes() || newSizeBytes % Volume.BLOCK_SIZE != 0
          || newSizeBytes > VolumeSpec.MAX_SIZE_BYTES) {
        throw new EngineException(EngineException.Code.INVALID_ARGUMENT,
            "new size must be a multiple of 512, not smaller than " + old.sizeBytes()
                + " and at most 64 TiB");
      }
      VolumeInfo info = new VolumeInfo(old.id(), old.name(), newSizeBytes, old.chunkSize(),
          old.pinned(), old.uuid(), old.createdMillis());
      try (KvBatch b = kv.newBatch()) {
        b.put(Column.VOLUMES, Layout.volumeKey(old.id(), Layout.VOLUME_CONFIG),
            new Layout.VolumeRecord(info, Layout.VolumeState.ACTIVE, v.origin()).encode());
        kv.write(b, true);
      }
      v.setInfo(info);
      log.info("grew volume {} to {} bytes", name, newSizeBytes);
    }
  }

  /**
   * Deletes a volume and releases every chunk it references. The deletion is recorded first,
   * so a crash half-way is finished at the next open.
   */
  public void deleteVolume(String name) {
    synchronized (adminLock) {
      Volume v = volume(name);
      VolumeInfo info = v.info();
      List<String> clones = snapshots.clonesOfVolume(info.id());
      if (!clones.isEmpty()) {
        throw new EngineException(EngineException.Code.SNAPSHOT_IN_USE,
            "snapshots of volume " + name + " are the origins of clone(s) " + clones);
      }
      try (KvBatch b = kv.newBatch()) {
        b.put(Column.VOLUMES, Layout.volumeKey(info.id(), Layout.VOLUME_CONFIG),
            new Layout.VolumeRecord(info, Layout.VolumeState.DELETING, v.origin()).encode());
        kv.write(b, true);
      }
      volumes.remove(name);
      volumesById.remove(info.id());
      v.markDeleted();
      purge(info);
      log.info("deleted volume {}", name);
    }
  }

  private void purge(VolumeInfo info) {
    snapshots.purge(info);
    // Its own entries only (a clone's hole markers too): no snapshot, no origin any more.
    Volume tmp = new Volume(this, info);
    tmp.releaseChunks(0, info.chunkCount());
    try (KvBatch b = kv.newBatch()) {
      b.delete(Column.VOLUMES, Layout.volumeKey(info.id(), Layout.VOLUME_CONFIG));
      b.delete(Column.VOLUMES, Layout.volumeKey(info.id(), Layout.VOLUME_RESERVATIONS));
      b.delete(Column.META, Layout.volumeCounterKey(info.id(), Layout.VOL_MAPPED));
      b.delete(Column.META, Layout.volumeCounterKey(info.id(), Layout.VOL_EPOCH));
      b.delete(Column.META, Layout.restoreKey(info.id()));
      kv.write(b, true);
    }
  }

  /** The volumes, by name. */
  public List<VolumeInfo> listVolumes() {
    return volumes.values().stream().map(Volume::info)
        .sorted(Comparator.comparing(VolumeInfo::name)).toList();
  }

  /** The volume called {@code name}. */
  public Volume volume(String name) {
    Volume v = volumes.get(name);
    if (v == null) {
      throw new EngineException(EngineException.Code.NO_SUCH_VOLUME, "no volume " + name);
    }
    return v;
  }

  /** The volume called {@code name}, or null. */
  public Volume findVolume(String name) {
    return volumes.get(name);
  }

  Volume volumeById(long id) {
    return volumesById.get(id);
  }

  Snapshots snapshots() {
    return snapshots;
  }

  // ---------------------------------------------------------------- snapshots

  /**
   * Takes a local snapshot of one volume, or of several at one instant (a consistency group):
   * every write acknowledged before this call is in it, none acknowledged after it returns.
   * O(1) whatever the volumes' sizes. Returns the snapshots in volume-id order.
   */
  public List<SnapshotInfo> createSnapshot(List<String> volumeNames, String description,
      boolean policy) {
    synchronized (adminLock) {
      ensureOpen();
      List<Volume> vs = new ArrayList<>();
      for (String n : volumeNames) {
        vs.add(volume(n));
      }
      return snapshots.create(vs, description, policy);
    }
  }

  /** A manual snapshot of one volume. */
  public SnapshotInfo createSnapshot(String volumeName, String description) {
    return createSnapshot(List.of(volumeName), description, false).get(0);
  }

  /** Every snapshot, by id. */
  public List<SnapshotInfo> listSnapshots() {
    return snapshots.list(0);
  }

  /** The snapshots of volume {@code name}, by id (oldest first). */
  public List<SnapshotInfo> listSnapshots(String name) {
    return snapshots.list(volume(name).info().id());
  }

  /** Snapshot {@code id}. */
  public SnapshotInfo snapshot(long id) {
    return snapshots.info(snapshots.record(id));
  }

  /** What snapshot {@code id} holds apart from the live volume (scans its delta). */
  public SnapshotSpace snapshotSpace(long id) {
    return snapshots.space(id);
  }

  /** A read-only view of snapshot {@code id}'s content. */
  public SnapshotImage openSnapshot(long id) {
    Layout.SnapshotRecord r = snapshots.record(id);
    return new SnapshotImage(volumeById(r.volumeId()), snapshots.info(r), snapshots);
  }

  /**
   * Deletes snapshot {@code id}, releasing what only it referred to; refused with {@code
   * SNAPSHOT_IN_USE} while a clone has it as origin. Crash-safe: resumed at the next open.
   */
  public void deleteSnapshot(long id) {
    synchronized (adminLock) {
      ensureOpen();
      snapshots.delete(id, false);
    }
  }

  /** A new writable volume {@code name} whose content is snapshot {@code id}'s; O(1). */
  public Volume cloneSnapshot(long id, String name) {
    synchronized (adminLock) {
      ensureOpen();
      Layout.SnapshotRecord r = snapshots.record(id);
      VolumeInfo o = volumeById(r.volumeId()).info();
      return createVolume(new VolumeSpec(name, o.sizeBytes(), o.chunkSize(), o.pinned()), id);
    }
  }

  /**
   * Puts volume {@code name} back to snapshot {@code id} of it, after taking a snapshot of its
   * current state (returned, so that the restore can be undone). Writes to the volume wait
   * until it is done; a crash half-way completes it at the next open.
   */
  public SnapshotInfo restoreVolume(String name, long id) {
    synchronized (adminLock) {
      ensureOpen();
      return snapshots.restore(volume(name), id);
    }
  }

  /** Space figures of the whole appliance (exact). */
  public SpaceUsage usage() {
    long provisioned = 0;
    long logical = 0;
    for (Volume v : volumes.values()) {
      // Saturating: volumes made before sizes were capped may add up past 2^63.
      provisioned = ByteSizes.addSaturated(provisioned, v.info().sizeBytes());
      logical = ByteSizes.addSaturated(logical, ByteSizes.multiplySaturated(
          kv.counter(Layout.volumeCounterKey(v.info().id(), Layout.VOL_MAPPED)),
          v.info().chunkSize()));
    }
    return new SpaceUsage(provisioned, logical, kv.counter(Layout.UNIQUE_BYTES),
        kv.counter(Layout.STORED_BYTES), kv.counter(Layout.CHUNK_COUNT), kv.diskBytes(),
        kv.counter(Layout.CHUNK_BYTES));
  }

  /**
   * Space figures of one volume. Scans its block map (a background admin call, not a hot
   * path): the number of distinct chunks is counted exactly up to 65,536 and beyond that
   * estimated with a HyperLogLog sketch (about 1% error, 16 KiB of memory whatever the size).
   */
  public SpaceUsage usage(String name) {
    VolumeInfo info = volume(name).info();
    HyperLogLog distinct = new HyperLogLog();
    // Exact up to EXACT_LIMIT distinct chunks (a few MiB of heap), a sketch beyond.
    java.util.Set<ByteBuffer> exact = new java.util.HashSet<>();
    long mapped = 0;
    long plainSum = 0;
    long storedSum = 0;
    List<byte[]> ids = new ArrayList<>();
    byte[] from = Layout.blockKey(info.id(), Layout.LIVE_EPOCH, 0);
    byte[] to = Layout.blockKey(info.id(), Layout.LIVE_EPOCH + 1, 0);
    try (KvSnapshot snap = kv.snapshot(); KvIterator it = snap.scan(Column.BLOCKMAP, from, to)) {
      for (; ; it.next()) {
        boolean valid = it.valid();
        byte[] id = valid ? Layout.chunkId(it.value()) : null;
        if (id != null) {
          ids.add(id);
          distinct.add(id);
          if (exact != null) {
            exact.add(ByteBuffer.wrap(id));
            if (exact.size() > EXACT_LIMIT) {
              exact = null;
            }
          }
          mapped++;
        }
        if (ids.size() == 256 || (!valid && !ids.isEmpty())) {
          for (byte[] r : snap.multiGet(Column.CHUNKS, ids)) {
            if (r != null) {
              ChunkRecord c = ChunkRecord.decode(r);
              plainSum += c.plainLength();
              storedSum += c.storedLength();
            }
          }
          ids.clear();
        }
        if (!valid) {
          break;
        }
      }
    }
    long d = exact != null ? exact.size() : Math.min(mapped, distinct.estimate());
    long unique = mapped == 0 ? 0 : Math.round((double) plainSum / mapped * d);
    long stored = mapped == 0 ? 0 : Math.round((double) storedSum / mapped * d);
    // Stored sizes of every distinct chunk, local or evicted: the volume's chunk bytes.
    return new SpaceUsage(info.sizeBytes(), mapped * info.chunkSize(), unique, stored, d, 0,
        stored);
  }

  /** Makes every returned write durable. */
  public void sync() {
    kv.sync();
  }

  /** The store, for verification tools in this package. */
  KvStore store() {
    return kv;
  }

  ChunkHasher hasher() {
    return hasher;
  }

  ChunkCache chunkCache() {
    return chunkCache;
  }

  StripedLocks blockLocks() {
    return blockLocks;
  }

  EngineConfig config() {
    return config;
  }

  private void ensureOpen() {
    if (closed) {
      throw new EngineException(EngineException.Code.STORAGE, "engine is closed");
    }
  }

  /** Closes every volume and the store; idempotent. */
  @Override
  public void close() {
    synchronized (adminLock) {
      if (closed) {
        return;
      }
      closed = true;
      for (Volume v : volumes.values()) {
        v.markClosed();
      }
      heat.close();
      try {
        heat.flush();
      } catch (RuntimeException e) {
        log.warn("could not record the last reads' heat: {}", e.toString());
      }
      kv.close();
      log.info("engine closed");
    }
  }

  // ---------------------------------------------------------------- chunk store

  /**
   * A chunk image ready to be mapped: its ID, and its stored form once encoded. A content
   * without image ({@code plain} null) names a chunk that is stored already.
   */
  static final class Content {
    /** No block-map entry at all: a clone reads its origin there. */
    static final Content ABSENT = new Content(null, 0, 0, null);

    final byte[] plain;
    final int off;
    final int len;
    final byte[] id;
    byte[] stored;

    Content(byte[] plain, int off, int len, byte[] id) {
      this.plain = plain;
      this.off = off;
      this.len = len;
      this.id = id;
    }

    /** The stored (compressed) form, encoded once on first use. */
    byte[] encoded() {
      if (stored == null) {
        stored = ChunkCodec.encode(plain, off, len);
      }
      return stored;
    }
  }

  private static final byte[] ZEROS = new byte[256 << 10];

  static boolean isZero(byte[] b, int off, int len) {
    return Arrays.mismatch(b, off, off + len, ZEROS, 0, len) < 0;
  }

  /** Names a chunk image; null for an all-zero one (a hole). */
  Content prepare(byte[] plain, int off, int len) {
    if (isZero(plain, off, len)) {
      return null;
    }
    return new Content(plain, off, len, hasher.hash(plain, off, len));
  }

  /**
   * Fetches the stored bytes of several chunks. A chunk whose bytes are only in the cloud
   * (evicted) is read back through the {@link ColdReader}; without one, or for a chunk that has
   * no cloud location either, the read fails.
   */
  List<byte[]> fetch(KvView view, List<byte[]> ids) {
    List<byte[]> data = view.multiGet(Column.CHUNKDATA, ids);
    boolean copied = false;
    for (int i = 0; i < data.size(); i++) {
      if (data.get(i) == null) {
        if (!copied) {
          data = new ArrayList<>(data);
          copied = true;
        }
        data.set(i, fetchCold(view, ids.get(i)));
      }
    }
    return data;
  }

  /** Chunks read ahead after a cold read: the next ones of the same volume. */
  static final int READ_AHEAD_CHUNKS = 16;

  /**
   * {@link #fetch} for a volume read of chunks up to {@code nextIndex - 1}. When chunks had to
   * come from the cloud, the evicted ones among the next {@value #READ_AHEAD_CHUNKS} chunks of
   * the volume are prefetched, since a sequential reader will want them next; and several
   * missing chunks of one command are fetched in parallel.
   */
  List<byte[]> fetchForRead(KvView view, List<byte[]> ids, VolumeInfo volume, long nextIndex) {
    ColdReader reader = coldReader;
    List<byte[]> data = view.multiGet(Column.CHUNKDATA, ids);
    int missing = 0;
    for (byte[] d : data) {
      if (d == null) {
        missing++;
      }
    }
    ReadObserver observer = readObserver;
    observer.localChunks(ids.size() - missing);
    if (missing == 0) {
      return data; // all local: no second lookup of the same values
    }
    observer.coldChunks(missing);
    if (reader == null) {
      return fetch(view, ids);
    }
    List<byte[]> more = new ArrayList<>(READ_AHEAD_CHUNKS);
    for (int k = 0; k < READ_AHEAD_CHUNKS && nextIndex + k < volume.chunkCount(); k++) {
      more.add(Layout.blockKey(volume.id(), Layout.LIVE_EPOCH, nextIndex + k));
    }
    List<byte[]> ahead = new ArrayList<>();
    for (int i = 1; i < ids.size(); i++) {
      if (data.get(i) == null) {
        ahead.add(ids.get(i));
      }
    }
    for (byte[] entry : view.multiGet(Column.BLOCKMAP, more)) {
      byte[] id = Layout.chunkId(entry);
      if (id != null) {
        ahead.add(id);
      }
    }
    List<byte[]> recs = view.multiGet(Column.CHUNKS, ahead);
    for (int i = 0; i < ahead.size(); i++) {
      if (recs.get(i) != null) {
        ChunkRecord r = ChunkRecord.decode(recs.get(i));
        if (r.state() == ChunkRecord.EVICTED) {
          reader.prefetch(ahead.get(i), r.packNumber(), r.recordIndex(), r.recordOffset(),
              r.sealedLength());
        }
      }
    }
    List<byte[]> out = new ArrayList<>(data);
    for (int i = 0; i < out.size(); i++) {
      if (out.get(i) == null) {
        out.set(i, fetchCold(view, ids.get(i)));
      }
    }
    return out;
  }

  private byte[] fetchCold(KvView view, byte[] id) {
    byte[] raw = view.get(Column.CHUNKS, id);
    ChunkRecord rec = raw == null ? null : ChunkRecord.decode(raw);
    ColdReader reader = coldReader;
    if (rec == null || !rec.inCloud() || reader == null) {
      throw new BlockDeviceException(BlockDeviceException.Kind.UNRECOVERED_READ_ERROR,
          "a mapped chunk is missing from the chunk store");
    }
    AdmittedChunk chunk = reader.read(id, rec.packNumber(), rec.recordIndex(),
        rec.recordOffset(), rec.sealedLength());
    // Admitted bytes hash to this chunk's ID (checked once, by ChunkTierStore.admit); the
    // length must still be the one this record expects.
    if (chunk == null || chunk.stored().length != rec.storedLength()) {
      throw new BlockDeviceException(BlockDeviceException.Kind.UNRECOVERED_READ_ERROR,
          "chunk read back from the cloud has the wrong length");
    }
    return chunk.stored();
  }

  /**
   * Checks chunk bytes read back from the cloud: they must decode and hash to {@code id}.
   *
   * @return the decoded plaintext length
   * @throws BlockDeviceException UNRECOVERED_READ_ERROR when they do not
   */
  int verifyStored(byte[] id, byte[] stored) {
    byte[] image;
    int len;
    try {
      len = ChunkCodec.plainLength(stored);
      if (len <= 0 || len > (1 << 20)) {
        throw new IllegalStateException("implausible chunk length");
      }
      image = new byte[len];
      ChunkCodec.decode(stored, image, 0);
    } catch (RuntimeException e) {
      throw new BlockDeviceException(BlockDeviceException.Kind.UNRECOVERED_READ_ERROR,
          "chunk read back from the cloud does not decode", e);
    }
    if (!Arrays.equals(hasher.hash(image, 0, len), id)) {
      throw new BlockDeviceException(BlockDeviceException.Kind.UNRECOVERED_READ_ERROR,
          "chunk read back from the cloud does not match its ID");
    }
    return len;
  }

  /** Installs what makes room when the capacity is reached (null: nothing, fail at once). */
  public void setSpaceReclaimer(SpaceReclaimer r) {
    this.reclaimer = r;
  }

  /** Reports where volume reads find their chunks to {@code o} from now on (null: nowhere). */
  public void setReadObserver(ReadObserver o) {
    this.readObserver = o == null ? ReadObserver.NONE : o;
  }

  ReadObserver readObserver() {
    return readObserver;
  }

  /** Notes that volume reads used chunks {@code ids} (nulls skipped); see {@link HeatTracker}. */
  void noteReads(List<byte[]> ids) {
    heat.note(ids, System.currentTimeMillis());
  }

  /** Writes noted reads into the chunk records' heat; returns records rewritten. */
  int flushHeat() {
    return heat.flush();
  }

  /** Installs the reader of evicted chunks (null: none). */
  public void setColdReader(ColdReader reader) {
    this.coldReader = reader;
  }

  /** The tiering view of the chunk store. */
  public ChunkTierStore tierStore() {
    return tierStore;
  }

  StripedLocks idLocks() {
    return idLocks;
  }

  /** Adjusts the in-memory mirror of the stored-bytes counter after a tiering batch. */
  void storedBytesChanged(long delta) {
    storedBytes.addAndGet(delta);
  }

  /** Local stored chunk bytes now. */
  long storedBytesNow() {
    return storedBytes.get();
  }

  /**
   * Maps chunks {@code indices[0..n)} of {@code vol} to {@code contents} (null = hole) in one
   * atomic batch. The caller holds the volume's map lock (shared, or exclusively) and the block
   * locks of all these chunks; with {@code reclaim}, room is made first for new chunks.
   */
  void apply(Volume vol, long[] indices, Content[] contents, int n, boolean sync,
      boolean reclaim) {
    VolumeInfo volume = vol.info();
    SpaceReclaimer r = reclaim ? reclaimer : null;
    if (r != null) {
      // Room is made before any chunk lock is taken: eviction takes chunk locks itself.
      long need = storedBytes.get() + (long) n * volume.chunkSize() - config.capacityBytes();
      if (need > 0 && config.capacityBytes() != Long.MAX_VALUE) {
        r.reclaim(need);
      }
    }
    BlockMapChange change = BlockMapChange.compute(kv, volume, indices, contents, n,
        vol.epochs());
    if (change.isEmpty()) {
      if (sync) {
        kv.sync();
      }
      return;
    }
    List<byte[]> ids = change.chunkIds();
    int[] stripes = new int[ids.size()];
    for (int i = 0; i < stripes.length; i++) {
      stripes[i] = idLocks.stripe(ids.get(i));
    }
    int[] locked = idLocks.lockAll(stripes);
    try (KvBatch batch = kv.newBatch()) {
      change.writeTo(kv, batch, System.currentTimeMillis());
      long added = change.newStoredBytes();
      if (added > 0 && storedBytes.get() + added > config.capacityBytes()) {
        throw new BlockDeviceException(BlockDeviceException.Kind.SPACE_ALLOCATION_FAILED,
            "local capacity limit reached");
      }
      kv.write(batch, sync);
      storedBytes.addAndGet(change.storedBytesDelta());
    } finally {
      idLocks.unlockAll(locked);
    }
  }

  /**
   * Writes {@code batch} (block-map moves and deletions) with one dropped reference to each of
   * {@code ids}, under their chunk-ID locks.
   */
  void commitReferenceDrops(VolumeInfo volume, List<byte[]> ids, KvBatch batch) {
    BlockMapChange change = BlockMapChange.dropReferences(volume, ids);
    List<byte[]> locking = change.chunkIds();
    int[] stripes = new int[locking.size()];
    for (int i = 0; i < stripes.length; i++) {
      stripes[i] = idLocks.stripe(locking.get(i));
    }
    int[] locked = idLocks.lockAll(stripes);
    try {
      change.writeTo(kv, batch, System.currentTimeMillis());
      kv.write(batch, false);
      storedBytes.addAndGet(change.storedBytesDelta());
    } finally {
      idLocks.unlockAll(locked);
    }
  }

  /** Maps a store failure on the I/O path to the device error the SCSI layer understands. */
  static BlockDeviceException ioError(KvException e, boolean write) {
    BlockDeviceException.Kind kind = switch (e.code()) {
      case NO_SPACE -> BlockDeviceException.Kind.SPACE_ALLOCATION_FAILED;
      case CLOSED, BUSY -> BlockDeviceException.Kind.NOT_READY;
      default -> write ? BlockDeviceException.Kind.WRITE_ERROR
          : BlockDeviceException.Kind.UNRECOVERED_READ_ERROR;
    };
    log.warn("store failure on the {} path: {}", write ? "write" : "read", e.getMessage());
    return new BlockDeviceException(kind, (write ? "write" : "read") + " failed in the store", e);
  }
}
