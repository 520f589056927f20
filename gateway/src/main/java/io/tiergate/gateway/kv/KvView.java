package io.tiergate.gateway.kv;

import java.util.List;

/** Read operations, on the live store or on a consistent {@link KvSnapshot} of it. */
public interface KvView {

  /** The value of {@code key}, or {@code null} when absent. */
  byte[] get(Column column, byte[] key);

  /** Values of several keys of one column family, {@code null} where absent; in key order. */
  List<byte[]> multiGet(Column column, List<byte[]> keys);

  /**
   * A cursor over keys {@code from <= key < to} (unsigned lexicographic order); {@code to}
   * {@code null} means to the end.
   */
  KvIterator scan(Column column, byte[] from, byte[] to);

  /** A cursor over every key that starts with {@code prefix}. */
  default KvIterator scanPrefix(Column column, byte[] prefix) {
    return scan(column, prefix, Keys.prefixEnd(prefix));
  }

  /** The counter at {@code key} of {@link Column#META} (see {@link KvBatch#add}), 0 if absent. */
  default long counter(byte[] key) {
    byte[] v = get(Column.META, key);
    return v == null ? 0 : Keys.counterValue(v);
  }
}
