package io.tiergate.gateway.engine;

import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decoded chunk images by chunk ID, bounded in bytes: repeated reads of hot chunks skip the
 * store lookup, its checksum and decompression.
 *
 * <p>Admission is the reader's choice: {@link Volume} keeps the images of chunks it read in part
 * (small reads come back for the neighbouring blocks) and not of chunks read whole by one
 * command, so a sequential stream larger than the cache does not churn it, and costs no insert.
 *
 * <p>Correctness: a chunk ID names its content (a keyed hash of the plaintext), so an entry can
 * never be stale; nothing is ever invalidated, only evicted. Concurrency: sixteen shards, each
 * an access-ordered map under its own lock, evicting least recently used images past its share
 * of the budget. Callers must not modify a returned or inserted image.
 */
final class ChunkCache {
  private static final int SHARDS = 16;

  private final Shard[] shards = new Shard[SHARDS];

  /** A cache holding at most {@code capacityBytes} of images; zero disables it. */
  ChunkCache(long capacityBytes) {
    for (int i = 0; i < SHARDS; i++) {
      shards[i] = new Shard(capacityBytes / SHARDS);
    }
  }

  /** The image of chunk {@code id}, or null. */
  byte[] get(byte[] id) {
    return shard(id).get(ByteBuffer.wrap(id));
  }

  /** Remembers the image of chunk {@code id}. */
  void put(byte[] id, byte[] image) {
    shard(id).put(ByteBuffer.wrap(id.clone()), image);
  }

  private Shard shard(byte[] id) {
    // Chunk IDs are uniformly distributed HMAC outputs: any byte picks a shard evenly.
    return shards[id[0] & (SHARDS - 1)];
  }

  private static final class Shard {
    private final long capacity;
    private final LinkedHashMap<ByteBuffer, byte[]> map = new LinkedHashMap<>(64, 0.75f, true);
    private long bytes;

    Shard(long capacity) {
      this.capacity = capacity;
    }

    synchronized byte[] get(ByteBuffer id) {
      return map.get(id);
    }

    synchronized void put(ByteBuffer id, byte[] image) {
      if (image.length > capacity) {
        return;
      }
      byte[] old = map.put(id, image);
      bytes += image.length - (old == null ? 0 : old.length);
      Iterator<Map.Entry<ByteBuffer, byte[]>> it = map.entrySet().iterator();
      while (bytes > capacity && it.hasNext()) {
        bytes -= it.next().getValue().length;
        it.remove();
      }
    }
  }
}
