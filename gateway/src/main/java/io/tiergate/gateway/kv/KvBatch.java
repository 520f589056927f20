package io.tiergate.gateway.kv;

/**
 * An atomic group of updates: after a crash either all of them are in the store or none is.
 * Obtained from {@link KvStore#newBatch()}, applied with {@link KvStore#write}, and closed by
 * its single owner (it holds native memory). Not thread-safe.
 */
public interface KvBatch extends AutoCloseable {

  /** Sets {@code key} to {@code value}. */
  void put(Column column, byte[] key, byte[] value);

  /** Sets {@code key} to {@code len} bytes of {@code value} from {@code off}. */
  void put(Column column, byte[] key, byte[] value, int off, int len);

  /** Removes {@code key}; no-op when absent. */
  void delete(Column column, byte[] key);

  /** Removes every key {@code from <= key < to} of {@code column} (a range tombstone). */
  void deleteRange(Column column, byte[] from, byte[] to);

  /**
   * Adds {@code delta} (may be negative) to the unsigned 64-bit counter at {@code key} of
   * {@link Column#META}; an absent counter counts as zero.
   */
  void add(byte[] key, long delta);

  /** Number of updates in the batch. */
  int count();

  /** Approximate size of the batch in bytes. */
  long sizeBytes();

  @Override
  void close();
}
