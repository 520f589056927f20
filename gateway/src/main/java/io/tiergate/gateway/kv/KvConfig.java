package io.tiergate.gateway.kv;

/**
 * Tuning of the store. Memory is bounded by {@code blockCacheBytes} (data, index and filter
 * blocks) plus {@code writeBufferBytes} (all memtables together, charged to the same cache).
 *
 * @param blockCacheBytes capacity of the shared LRU block cache
 * @param writeBufferBytes total memtable memory across column families
 * @param minBlobSize values of {@link Column#CHUNKDATA} at least this long go to blob files
 */
public record KvConfig(long blockCacheBytes, long writeBufferBytes, long minBlobSize) {

  /** Defaults for an appliance: 256 MiB cache, 128 MiB memtables, 4 KiB blob threshold. */
  public static KvConfig defaults() {
    return new KvConfig(256L << 20, 128L << 20, 4096);
  }

  /** Small settings for tests: 16 MiB cache, 16 MiB memtables. */
  public static KvConfig small() {
    return new KvConfig(16L << 20, 16L << 20, 4096);
  }

  /** Validates the settings. */
  public KvConfig {
    if (blockCacheBytes < (1 << 20) || writeBufferBytes < (1 << 20) || minBlobSize < 0) {
      throw new IllegalArgumentException("cache and write buffer need at least 1 MiB");
    }
  }
}
