package io.tiergate.gateway.engine;

import io.tiergate.gateway.kv.Column;
import io.tiergate.gateway.kv.KvBatch;
import io.tiergate.gateway.kv.KvStore;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Remembers which chunks were read, so that a read counts as a use of the chunk for tiering and
 * eviction without becoming a metadata write.
 *
 * <p>The read path only {@link #note}s chunk IDs with the time, in a bounded concurrent map (the
 * latest time per chunk). {@link #flush} turns the notes into chunk-record changes: per group of
 * chunks it takes their ID locks, re-reads the records, and rewrites (with their index entries,
 * see {@link TierIndex}) only those whose last-use time advances by more than the configured
 * granularity; a hot chunk read a thousand times a minute costs one record write a minute at
 * most. The cloud tier's selections flush first ({@link ChunkTierStore#dirtyChunks} and {@link
 * ChunkTierStore#evict}); a map half full is flushed in the background, and a full one drops new
 * notes (the chunk then ages as if unread until its next read is noted) rather than grow.
 */
final class HeatTracker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HeatTracker.class);
  /** Chunks remembered at most between flushes (about 10 MiB of heap). */
  static final int CAPACITY = 1 << 16;
  private static final int GROUP = 64;

  private final BlockEngine engine;
  private final long granularity;
  private final ConcurrentHashMap<ByteBuffer, Long> touched = new ConcurrentHashMap<>();
  private final AtomicBoolean flushQueued = new AtomicBoolean();
  private final ExecutorService background = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "tiergate-heat");
    t.setDaemon(true);
    return t;
  });

  HeatTracker(BlockEngine engine, long granularityMillis) {
    this.engine = engine;
    this.granularity = granularityMillis;
  }

  /** Notes that chunks {@code ids} (null entries are skipped) were read at {@code now}. */
  void note(List<byte[]> ids, long now) {
    int size = touched.size();
    if (size >= CAPACITY / 2 && flushQueued.compareAndSet(false, true)) {
      try {
        background.execute(() -> {
          flushQueued.set(false);
          try {
            flush();
          } catch (RuntimeException e) {
            log.warn("flushing read heat failed: {}", e.toString());
          }
        });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        flushQueued.set(false); // closing
      }
    }
    for (byte[] id : ids) {
      if (id == null) {
        continue;
      }
      if (size >= CAPACITY && !touched.containsKey(ByteBuffer.wrap(id))) {
        continue;
      }
      touched.merge(ByteBuffer.wrap(id), now, Math::max);
    }
  }

  /** Chunks noted and not yet flushed. */
  int pending() {
    return touched.size();
  }

  /**
   * Writes the noted reads into the chunk records that they advance by more than the
   * granularity.
   *
   * @return chunk records rewritten
   */
  int flush() {
    if (touched.isEmpty()) {
      return 0;
    }
    List<byte[]> ids = new ArrayList<>(GROUP);
    List<Long> times = new ArrayList<>(GROUP);
    int rewritten = 0;
    Iterator<Map.Entry<ByteBuffer, Long>> it = touched.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<ByteBuffer, Long> e = it.next();
      Long t = touched.remove(e.getKey());
      if (t == null) {
        continue; // another flush took it
      }
      ids.add(e.getKey().array());
      times.add(t);
      if (ids.size() == GROUP) {
        rewritten += flushGroup(ids, times);
        ids.clear();
        times.clear();
      }
    }
    if (!ids.isEmpty()) {
      rewritten += flushGroup(ids, times);
    }
    return rewritten;
  }

  private int flushGroup(List<byte[]> ids, List<Long> times) {
    KvStore kv = engine.store();
    StripedLocks locks = engine.idLocks();
    int[] stripes = new int[ids.size()];
    for (int i = 0; i < stripes.length; i++) {
      stripes[i] = locks.stripe(ids.get(i));
    }
    int[] locked = locks.lockAll(stripes);
    int rewritten = 0;
    try (KvBatch b = kv.newBatch()) {
      List<byte[]> raws = kv.multiGet(Column.CHUNKS, ids);
      for (int i = 0; i < ids.size(); i++) {
        byte[] raw = raws.get(i);
        if (raw == null) {
          continue; // deleted since the read
        }
        ChunkRecord r = ChunkRecord.decode(raw);
        long t = times.get(i);
        if (!r.local() || t - r.lastUseMillis() <= granularity) {
          continue;
        }
        ChunkRecord next = r.usedAt(t);
        b.put(Column.CHUNKS, ids.get(i), next.encode());
        TierIndex.update(b, ids.get(i), r, next);
        rewritten++;
      }
      if (rewritten > 0) {
        kv.write(b, false);
      }
    } finally {
      locks.unlockAll(locked);
    }
    return rewritten;
  }

  /** Stops the background flusher (notes not flushed are dropped: heat is advisory). */
  @Override
  public void close() {
    background.shutdown();
    try {
      background.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
