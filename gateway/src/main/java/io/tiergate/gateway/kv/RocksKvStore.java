package io.tiergate.gateway.kv;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;
import org.rocksdb.Status;
import org.rocksdb.UInt64AddOperator;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBufferManager;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link KvStore} on one RocksDB database.
 *
 * <p>Ownership: this object owns every long-lived native object it creates (the database,
 * column-family handles and options, the shared block cache, the write-buffer manager, the
 * bloom filter, the merge operator and the two write options) and closes them in reverse order
 * of creation, after the database. Short-lived natives (batches, iterators with their read
 * options and bound slices, snapshots) are owned by the wrapper handed to the caller.
 *
 * <p>Memory: one LRU cache is shared by every column family for data, index and filter blocks,
 * and the memtables of all column families are charged to it through one write-buffer manager,
 * so the native memory of the store is bounded by configuration, not by volume size.
 *
 * <p>Chunk bytes: {@link Column#CHUNKDATA} has BlobDB enabled: values at least {@code
 * minBlobSize} long are written to blob files and only a reference stays in the LSM tree, so
 * compactions do not rewrite chunk data. Blob garbage collection relocates live blobs out of the
 * oldest blob files during compaction, which is how the space of deleted chunks comes back.
 * Chunk bytes are already compressed by the engine, so that family does not compress again.
 *
 * <p>Closing: a read-write lock keeps {@link #close()} from freeing the database under a
 * running operation or an open cursor or snapshot (each holds the read side from creation to
 * close, in its one owning thread); operations after close fail with {@link
 * KvException.Code#CLOSED}. Should a cursor leak, close gives up after a while and leaves the
 * database to the process's exit rather than free memory a cursor still points into.
 */
final class RocksKvStore implements KvStore {
  private static final Logger log = LoggerFactory.getLogger(RocksKvStore.class);

  static {
    RocksDB.loadLibrary();
  }

  private final Path dir;
  private final Deque<AutoCloseable> owned = new ArrayDeque<>();
  private final Map<Column, ColumnFamilyHandle> handles = new EnumMap<>(Column.class);
  private final List<ColumnFamilyHandle> allHandles = new ArrayList<>();
  private final ReadWriteLock closeLock = new ReentrantReadWriteLock();
  private final WriteOptions syncedWrite;
  private final WriteOptions unsyncedWrite;
  private RocksDB db;
  private boolean closed;

  private RocksKvStore(Path dir, KvConfig config) {
    this.dir = dir;
    try {
      Files.createDirectories(dir);
      Cache cache = own(new LRUCache(config.blockCacheBytes()));
      WriteBufferManager wbm = own(new WriteBufferManager(config.writeBufferBytes(), cache));
      BloomFilter bloom = own(new BloomFilter(10, false));
      UInt64AddOperator add = own(new UInt64AddOperator());
      DBOptions dbOptions = own(new DBOptions()
          .setCreateIfMissing(true)
          .setCreateMissingColumnFamilies(true)
          .setWriteBufferManager(wbm)
          .setMaxBackgroundJobs(4)
          .setBytesPerSync(1 << 20)
          .setMaxTotalWalSize(256L << 20)
          .setKeepLogFileNum(4)
          .setInfoLogLevel(InfoLogLevel.WARN_LEVEL));
      List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
      descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY,
          own(tableOptions(new ColumnFamilyOptions(), cache, bloom, config))));
      for (Column c : Column.values()) {
        ColumnFamilyOptions o = own(tableOptions(new ColumnFamilyOptions(), cache, bloom, config));
        switch (c) {
          // Chunk bytes arrive fast and in large values: bigger and more memtables, so that a
          // flush in progress does not stop writers (the write-buffer manager still caps the
          // total).
          case CHUNKDATA -> o.setCompressionType(CompressionType.NO_COMPRESSION)
              .setWriteBufferSize(Math.max(1 << 20, config.writeBufferBytes() / 2))
              .setMaxWriteBufferNumber(4)
              .setEnableBlobFiles(true)
              .setMinBlobSize(config.minBlobSize())
              .setBlobFileSize(256L << 20)
              .setBlobCompressionType(CompressionType.NO_COMPRESSION)
              .setEnableBlobGarbageCollection(true)
              .setBlobGarbageCollectionAgeCutoff(0.25);
          case META -> o.setMergeOperator(add);
          default -> { }
        }
        descriptors.add(new ColumnFamilyDescriptor(c.cfName().getBytes(), o));
      }
      db = RocksDB.open(dbOptions, dir.toString(), descriptors, allHandles);
      for (int i = 0; i < Column.values().length; i++) {
        handles.put(Column.values()[i], allHandles.get(i + 1));
      }
      syncedWrite = own(new WriteOptions().setSync(true));
      unsyncedWrite = own(new WriteOptions().setSync(false));
    } catch (RocksDBException e) {
      closeOwned();
      throw translate("open", e);
    } catch (java.io.IOException e) {
      closeOwned();
      throw new KvException(KvException.Code.IO_ERROR, "cannot create " + dir, e);
    } catch (RuntimeException | Error e) {
      closeOwned();
      throw e;
    }
    log.info("opened key-value store in {}", dir);
  }

  static RocksKvStore open(Path dir, KvConfig config) {
    DatabaseLock.opening(dir);
    try {
      return new RocksKvStore(dir, config);
    } catch (RuntimeException | Error e) {
      DatabaseLock.closed(dir);
      throw e;
    }
  }

  private static ColumnFamilyOptions tableOptions(ColumnFamilyOptions o, Cache cache,
      BloomFilter bloom, KvConfig config) {
    BlockBasedTableConfig table = new BlockBasedTableConfig()
        .setBlockCache(cache)
        .setFilterPolicy(bloom)
        .setCacheIndexAndFilterBlocks(true)
        .setPinL0FilterAndIndexBlocksInCache(true)
        .setBlockSize(16 << 10);
    return o.setTableFormatConfig(table)
        .setCompressionType(CompressionType.LZ4_COMPRESSION)
        .setWriteBufferSize(Math.max(1 << 20, config.writeBufferBytes() / 4));
  }

  private <T extends AutoCloseable> T own(T t) {
    owned.push(t);
    return t;
  }

  private ColumnFamilyHandle cf(Column c) {
    return handles.get(c);
  }

  /** Runs {@code op} unless closed, holding off close until it returns. */
  private <T> T guarded(String what, RocksOp<T> op) {
    closeLock.readLock().lock();
    try {
      if (closed) {
        throw new KvException(KvException.Code.CLOSED, "store is closed: " + what);
      }
      return op.run();
    } catch (RocksDBException e) {
      throw translate(what, e);
    } finally {
      closeLock.readLock().unlock();
    }
  }

  @FunctionalInterface
  private interface RocksOp<T> {
    T run() throws RocksDBException;
  }

  static KvException translate(String what, RocksDBException e) {
    Status s = e.getStatus();
    KvException.Code code = KvException.Code.OTHER;
    if (s != null) {
      if (s.getSubCode() == Status.SubCode.NoSpace) {
        code = KvException.Code.NO_SPACE;
      } else {
        code = switch (s.getCode()) {
          case Corruption -> KvException.Code.CORRUPTION;
          case IOError -> KvException.Code.IO_ERROR;
          case Busy, TimedOut, TryAgain -> KvException.Code.BUSY;
          case ShutdownInProgress -> KvException.Code.CLOSED;
          case InvalidArgument, NotSupported -> KvException.Code.INVALID_ARGUMENT;
          default -> KvException.Code.OTHER;
        };
      }
    }
    return new KvException(code, what + " failed: " + e.getMessage(), e);
  }

  @Override
  public byte[] get(Column column, byte[] key) {
    return guarded("get", () -> db.get(cf(column), key));
  }

  @Override
  public List<byte[]> multiGet(Column column, List<byte[]> keys) {
    if (keys.isEmpty()) {
      return List.of();
    }
    return guarded("multiGet",
        () -> db.multiGetAsList(Collections.nCopies(keys.size(), cf(column)), keys));
  }

  @Override
  public KvIterator scan(Column column, byte[] from, byte[] to) {
    return guarded("scan", () -> new Cursor(column, null, from, to));
  }

  @Override
  public KvBatch newBatch() {
    return new Batch();
  }

  @Override
  public void write(KvBatch batch, boolean sync) {
    Batch b = (Batch) batch;
    guarded("write", () -> {
      db.write(sync ? syncedWrite : unsyncedWrite, b.wb);
      return null;
    });
  }

  @Override
  public void sync() {
    guarded("sync", () -> {
      db.syncWal();
      return null;
    });
  }

  @Override
  public KvSnapshot snapshot() {
    return guarded("snapshot", SnapshotView::new);
  }

  @Override
  public long diskBytes() {
    return guarded("diskBytes", () -> db.getAggregatedLongProperty("rocksdb.total-sst-files-size")
        + db.getAggregatedLongProperty("rocksdb.total-blob-file-size"));
  }

  @Override
  public void compact(Column column) {
    guarded("compact", () -> {
      db.compactRange(cf(column));
      return null;
    });
  }

  @Override
  public long longProperty(Column column, String property) {
    return guarded("property", () -> db.getLongProperty(cf(column), property));
  }

  /**
   * Syncs the write-ahead log and closes the database.
   *
   * @throws KvException when it could not be closed cleanly: the sync or the close failed
   *     (everything is released all the same), or a cursor or snapshot still open after 30 s,
   *     or an interrupt, kept the database open
   */
  @Override
  public void close() {
    try {
      if (!closeLock.writeLock().tryLock(30, java.util.concurrent.TimeUnit.SECONDS)) {
        throw new KvException(KvException.Code.BUSY, "key-value store in " + dir
            + " still has open cursors or snapshots after 30 s; left open");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KvException(KvException.Code.OTHER, "interrupted while closing the key-value "
          + "store in " + dir + "; left open", e);
    }
    try {
      if (closed) {
        return;
      }
      closed = true;
      KvException failure = null;
      try {
        db.syncWal();
      } catch (RocksDBException e) {
        failure = translate("sync of the write-ahead log at close", e);
      }
      for (ColumnFamilyHandle h : allHandles) {
        h.close();
      }
      try {
        db.closeE();
      } catch (RocksDBException e) {
        KvException f = translate("close", e);
        if (failure == null) {
          failure = f;
        } else {
          failure.addSuppressed(f);
        }
      }
      closeOwned();
      DatabaseLock.closed(dir);
      if (failure != null) {
        throw failure;
      }
      log.info("closed key-value store in {}", dir);
    } finally {
      closeLock.writeLock().unlock();
    }
  }

  private void closeOwned() {
    while (!owned.isEmpty()) {
      try {
        owned.pop().close();
      } catch (Exception e) {
        log.warn("closing a native object failed", e);
      }
    }
  }

  /** A WriteBatch wrapper; counters go to the META family as uint64add merges. */
  private final class Batch implements KvBatch {
    private final WriteBatch wb = new WriteBatch();

    @Override
    public void put(Column column, byte[] key, byte[] value) {
      try {
        wb.put(cf(column), key, value);
      } catch (RocksDBException e) {
        throw translate("batch put", e);
      }
    }

    @Override
    public void put(Column column, byte[] key, byte[] value, int off, int len) {
      put(column, key, off == 0 && len == value.length ? value
          : Arrays.copyOfRange(value, off, off + len));
    }

    @Override
    public void delete(Column column, byte[] key) {
      try {
        wb.delete(cf(column), key);
      } catch (RocksDBException e) {
        throw translate("batch delete", e);
      }
    }

    @Override
    public void deleteRange(Column column, byte[] from, byte[] to) {
      try {
        wb.deleteRange(cf(column), from, to);
      } catch (RocksDBException e) {
        throw translate("batch delete range", e);
      }
    }

    @Override
    public void add(byte[] key, long delta) {
      if (delta == 0) {
        return;
      }
      try {
        wb.merge(cf(Column.META), key, Keys.counterBytes(delta));
      } catch (RocksDBException e) {
        throw translate("batch add", e);
      }
    }

    @Override
    public int count() {
      return wb.count();
    }

    @Override
    public long sizeBytes() {
      return wb.getDataSize();
    }

    @Override
    public void close() {
      wb.close();
    }
  }

  /** An iterator that owns its read options and its upper-bound slice. */
  private final class Cursor implements KvIterator {
    private final ReadOptions ro;
    private final Slice upper;
    private final RocksIterator it;
    private boolean done;

    Cursor(Column column, Snapshot snapshot, byte[] from, byte[] to) {
      closeLock.readLock().lock();
      ro = new ReadOptions();
      upper = to == null ? null : new Slice(to);
      if (upper != null) {
        ro.setIterateUpperBound(upper);
      }
      if (snapshot != null) {
        ro.setSnapshot(snapshot);
      }
      it = db.newIterator(cf(column), ro);
      it.seek(from);
    }

    @Override
    public boolean valid() {
      return it.isValid();
    }

    @Override
    public void next() {
      it.next();
    }

    @Override
    public void seek(byte[] key) {
      it.seek(key);
    }

    @Override
    public byte[] key() {
      return it.key();
    }

    @Override
    public byte[] value() {
      return it.value();
    }

    @Override
    public void close() {
      if (done) {
        return;
      }
      done = true;
      try {
        it.status();
      } catch (RocksDBException e) {
        throw translate("scan", e);
      } finally {
        it.close();
        ro.close();
        if (upper != null) {
          upper.close();
        }
        closeLock.readLock().unlock();
      }
    }
  }

  /** A snapshot that owns the RocksDB snapshot and its read options. */
  private final class SnapshotView implements KvSnapshot {
    private final Snapshot snap;
    private final ReadOptions ro;
    private boolean done;

    SnapshotView() {
      closeLock.readLock().lock();
      snap = db.getSnapshot();
      ro = new ReadOptions().setSnapshot(snap);
    }

    @Override
    public byte[] get(Column column, byte[] key) {
      return guarded("get", () -> db.get(cf(column), ro, key));
    }

    @Override
    public List<byte[]> multiGet(Column column, List<byte[]> keys) {
      if (keys.isEmpty()) {
        return List.of();
      }
      return guarded("multiGet",
          () -> db.multiGetAsList(ro, Collections.nCopies(keys.size(), cf(column)), keys));
    }

    @Override
    public KvIterator scan(Column column, byte[] from, byte[] to) {
      return guarded("scan", () -> new Cursor(column, snap, from, to));
    }

    @Override
    public void close() {
      if (done) {
        return;
      }
      done = true;
      ro.close();
      db.releaseSnapshot(snap);
      closeLock.readLock().unlock();
    }
  }
}
