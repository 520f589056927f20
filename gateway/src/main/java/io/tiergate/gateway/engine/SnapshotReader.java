package io.tiergate.gateway.engine;

import io.tiergate.gateway.kv.Column;
import io.tiergate.gateway.kv.KvView;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves block-map entries through snapshot deltas: what a snapshot, or a clone, maps at a
 * chunk index.
 *
 * <p>A {@link Source} is a volume's deltas of some epochs (oldest first), then its live map,
 * then, for a clone, the source of its origin snapshot. Snapshot S of volume V sees at index i
 * the first delta entry (V, E_k, i) for the existing snapshots k at or after S in age order,
 * else the live entry (V, 0, i); an "absent" answer there falls through to the origin. That is
 * one multi-get per level: a bounded number of lookups, and the live volume (no epochs) one.
 */
final class SnapshotReader {
  private SnapshotReader() {}

  /** A block map to resolve: deltas of {@code epochs}, then the live map, then the origin. */
  record Source(long volumeId, long[] epochs, Source origin) {}

  /**
   * The entries {@code source} sees at {@code idx[0..n)} as delta values: a chunk ID, {@link
   * Layout#DELTA_HOLE}, or {@link Layout#DELTA_ABSENT} (nothing here: the origin, if any, or a
   * hole). The origin is not consulted.
   */
  static byte[][] resolveOwn(KvView view, Source source, long[] idx, int n) {
    byte[][] out = new byte[n][];
    int[] pending = new int[n];
    int pn = n;
    for (int k = 0; k < n; k++) {
      pending[k] = k;
    }
    for (long epoch : source.epochs()) {
      if (pn == 0) {
        break;
      }
      List<byte[]> keys = new ArrayList<>(pn);
      for (int k = 0; k < pn; k++) {
        keys.add(Layout.blockKey(source.volumeId(), epoch, idx[pending[k]]));
      }
      List<byte[]> vals = view.multiGet(Column.BLOCKMAP, keys);
      int left = 0;
      for (int k = 0; k < pn; k++) {
        byte[] v = vals.get(k);
        if (v == null) {
          pending[left++] = pending[k];
        } else {
          out[pending[k]] = v;
        }
      }
      pn = left;
    }
    if (pn > 0) {
      List<byte[]> keys = new ArrayList<>(pn);
      for (int k = 0; k < pn; k++) {
        keys.add(Layout.blockKey(source.volumeId(), Layout.LIVE_EPOCH, idx[pending[k]]));
      }
      List<byte[]> vals = view.multiGet(Column.BLOCKMAP, keys);
      for (int k = 0; k < pn; k++) {
        out[pending[k]] = Layout.preimage(vals.get(k));
      }
    }
    return out;
  }

  /** The chunk IDs {@code source} maps at {@code idx[0..n)}, origins included; null: zeros. */
  static byte[][] resolve(KvView view, Source source, long[] idx, int n) {
    byte[][] raw = resolveOwn(view, source, idx, n);
    byte[][] ids = new byte[n][];
    List<Integer> through = null;
    for (int k = 0; k < n; k++) {
      byte[] v = raw[k];
      if (v.length == 32) {
        ids[k] = v;
      } else if (v.length == 0 && source.origin() != null) {
        if (through == null) {
          through = new ArrayList<>();
        }
        through.add(k);
      }
    }
    if (through != null) {
      long[] sub = new long[through.size()];
      for (int k = 0; k < sub.length; k++) {
        sub[k] = idx[through.get(k)];
      }
      byte[][] o = resolve(view, source.origin(), sub, sub.length);
      for (int k = 0; k < sub.length; k++) {
        ids[through.get(k)] = o[k];
      }
    }
    return ids;
  }
}
