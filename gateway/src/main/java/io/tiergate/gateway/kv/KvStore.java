package io.tiergate.gateway.kv;

import java.nio.file.Path;

/**
 * The appliance's key-value store: column families of ordered byte keys, atomic batches, and
 * two kinds of write. An unsynced write is in the write-ahead log's OS buffers when it returns:
 * it survives a killed process but not a power loss. A synced write, or any write followed by a
 * returned {@link #sync()}, has been fsynced and survives both. Either way a batch is applied
 * whole or not at all.
 *
 * <p>Thread-safe. A missing key reads as {@code null}.
 */
public interface KvStore extends KvView, AutoCloseable {

  /** Opens (creating when absent) the store in {@code dir}. */
  static KvStore open(Path dir, KvConfig config) {
    return RocksKvStore.open(dir, config);
  }

  /** A new, empty batch owned by the caller. */
  KvBatch newBatch();

  /** Applies {@code batch} atomically; with {@code sync} it is durable when this returns. */
  void write(KvBatch batch, boolean sync);

  /** Makes every write that has returned durable (fsync of the write-ahead log). */
  void sync();

  /** A consistent read-only view, owned by the caller. */
  KvSnapshot snapshot();

  /** Bytes the database occupies on disk now (SST and blob files). */
  long diskBytes();

  /** Compacts a whole column family (also reclaims dead blob bytes); for tests and tools. */
  void compact(Column column);

  /** A numeric RocksDB property of one column family (e.g. "rocksdb.estimate-num-keys"). */
  long longProperty(Column column, String property);

  /**
   * Syncs the write-ahead log and closes the database; idempotent.
   *
   * @throws KvException when the database could not be closed cleanly
   */
  @Override
  void close();
}
