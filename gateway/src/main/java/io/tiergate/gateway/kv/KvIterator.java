package io.tiergate.gateway.kv;

/**
 * A forward cursor over the keys of one column family in a half-open range, in big-endian
 * order. Created, used and closed by one thread; an open cursor holds off closing the store.
 *
 * <pre>{@code
 * try (KvIterator it = store.scan(Column.BLOCKMAP, from, to)) {
 *   for (; it.valid(); it.next()) { use(it.key(), it.value()); }
 * }
 * }</pre>
 */
public interface KvIterator extends AutoCloseable {

  /** True while the cursor is on an entry. */
  boolean valid();

  /** Moves to the next entry. */
  void next();

  /** Moves to the first entry at or after {@code key} (still bounded by the range's end). */
  void seek(byte[] key);

  /** The current key (a copy). */
  byte[] key();

  /** The current value (a copy). */
  byte[] value();

  @Override
  void close();
}
