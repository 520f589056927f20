package io.tiergate.gateway.tier;

import io.tiergate.crypto.ChunkId;
import io.tiergate.crypto.CryptoException;
import io.tiergate.gateway.engine.AdmittedChunk;
import io.tiergate.gateway.engine.PackRecord;
import io.tiergate.iscsi.spi.BlockDeviceException;
import io.tiergate.tiering.PackRef;
import io.tiergate.tiering.pack.PackEntry;
import io.tiergate.tiering.store.ObjectStoreException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cold reads: brings evicted chunks back from the cloud, one at a time for a reader and in runs
 * of back-to-back records for read-ahead.
 *
 * <p>Owns: the single-flight map (chunk ID to the one fetch of it in flight), the read-ahead
 * hint queue and its planner, and three pools: the cold-read pool (16 threads, a reader waits
 * for its fetch there at most {@code cold-read-timeout}; the probe runs there too), the
 * read-ahead pool (4 threads, a full queue drops the hint) and the one planner thread.
 *
 * <p>Concurrency: whoever puts a future into {@code inflight} first fetches; everyone else
 * waits for that future; the owner removes it when done (success or failure). A fetched record
 * is authenticated (AEAD) by the cloud tier, verified against its chunk ID by the engine's tier
 * store, and only then put back into the local store as clean. Nothing here takes the pass lock.
 */
final class ColdReads {
  private static final Logger log = LoggerFactory.getLogger(ColdReads.class);
  /** Records of at most this many chunks, or bytes, are read with one ranged GET. */
  static final int RUN_MAX_RECORDS = 64;
  static final long RUN_MAX_BYTES = 4L << 20;

  /** A read-ahead hint: an evicted chunk and where its record lies. */
  record Hint(byte[] id, long pack, int recordIndex, long offset, int length) {}

  private final TierContext ctx;
  private final ThreadPoolExecutor coldPool;
  private final ConcurrentHashMap<ByteBuffer, CompletableFuture<AdmittedChunk>> inflight =
      new ConcurrentHashMap<>();
  private final ThreadPoolExecutor readAhead;
  /** Read-ahead hints not yet planned into runs, and the one thread that plans them. */
  private final ConcurrentLinkedQueue<Hint> hints = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean planning = new AtomicBoolean();
  private final ExecutorService readAheadPlanner;

  ColdReads(TierContext ctx) {
    this.ctx = ctx;
    // Fetches of cold reads; the readers wait for them, at most cold-read-timeout.
    this.coldPool = new ThreadPoolExecutor(16, 16, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), daemon("tiergate-cold-read"));
    this.coldPool.allowCoreThreadTimeOut(true);
    // Read-ahead is best effort: a full queue drops the hint, the reader fetches itself.
    this.readAhead = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(256), daemon("tiergate-read-ahead"),
        new ThreadPoolExecutor.DiscardPolicy());
    this.readAhead.allowCoreThreadTimeOut(true);
    this.readAheadPlanner = Executors.newSingleThreadExecutor(daemon("tiergate-read-ahead-plan"));
  }

  /** Daemon threads named {@code name} (the tier's pools). */
  static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** Runs {@code task} on the cold-read pool (the probe: never on the caller's thread). */
  Future<?> submit(Runnable task) {
    return coldPool.submit(task);
  }

  /** Whether no fetch is in flight (a store switch drains them). */
  boolean idle() {
    return inflight.isEmpty();
  }

  /** Stops the pools; fetches in flight are interrupted. */
  void close() {
    coldPool.shutdownNow();
    readAheadPlanner.shutdownNow();
    readAhead.shutdownNow();
  }

  /**
   * The stored bytes of an evicted chunk, fetched from its pack record and verified.
   *
   * <p>Answers within {@code cold-read-timeout}: the fetch runs on the cold-read pool and the
   * reader waits for it that long at most, then fails with NOT READY and marks the store away
   * (the fetch goes on, and brings the chunk home if the store answers after all). While the
   * store is marked away the read fails at once.
   */
  AdmittedChunk read(byte[] chunkId, long packNumber, int recordIndex, long offset,
      int length) {
    long deadline = System.nanoTime() + ctx.config.coldReadTimeout().toNanos();
    refuseWhenAway();
    ByteBuffer key = ByteBuffer.wrap(chunkId.clone());
    CompletableFuture<AdmittedChunk> mine = new CompletableFuture<>();
    CompletableFuture<AdmittedChunk> running = inflight.putIfAbsent(key, mine);
    if (running != null) {
      return await(running, deadline);
    }
    try {
      // A read-ahead or another reader may have brought it home since the caller looked.
      AdmittedChunk local = ctx.chunks.localChunk(chunkId);
      if (local != null) {
        mine.complete(local);
        inflight.remove(key, mine);
        return local;
      }
      coldPool.execute(() -> {
        try {
          byte[] stored = fetchRecord(chunkId, packNumber, recordIndex, offset, length);
          mine.complete(admit(chunkId, stored));
        } catch (RuntimeException e) {
          mine.completeExceptionally(e);
        } finally {
          inflight.remove(key, mine);
        }
      });
    } catch (RuntimeException e) { // rejected (closing), or the local lookup failed
      mine.completeExceptionally(e);
      inflight.remove(key, mine);
      throw e;
    }
    return await(mine, deadline);
  }

  /** Fails at once with NOT READY when the store is another appliance's or marked away. */
  private void refuseWhenAway() {
    if (ctx.foreign()) {
      throw new BlockDeviceException(BlockDeviceException.Kind.NOT_READY, ctx.foreignMessage());
    }
    if (ctx.health.disconnected()) {
      ctx.counters.readErrors.increment();
      throw new BlockDeviceException(BlockDeviceException.Kind.NOT_READY,
          "the cloud is away (" + ctx.health.lastError()
              + "): an evicted chunk cannot be read now");
    }
  }

  /** The fetch's result, waiting until {@code deadline} (System.nanoTime) at most. */
  private AdmittedChunk await(CompletableFuture<AdmittedChunk> fetch, long deadline) {
    try {
      return fetch.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r
          : new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      ctx.counters.readErrors.increment();
      String why = "a cold read got no answer within " + ctx.config.coldReadTimeout().toMillis()
          + " ms";
      ctx.health.disconnected(why);
      ctx.counters.lastError = why;
      throw new BlockDeviceException(BlockDeviceException.Kind.NOT_READY,
          why + ": the cloud is away, retry later");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BlockDeviceException(BlockDeviceException.Kind.NOT_READY,
          "interrupted while reading an evicted chunk");
    }
  }


  /**
   * Queues a read-ahead hint. The engine hints a whole window at once, so the planner waits a
   * millisecond, then takes every queued hint and fetches runs of back-to-back records with one
   * ranged GET each.
   */
  void prefetch(byte[] chunkId, long packNumber, int recordIndex, long offset,
      int length) {
    if (ctx.closed || ctx.foreign() || ctx.health.disconnected()
        || inflight.containsKey(ByteBuffer.wrap(chunkId))) {
      return;
    }
    hints.add(new Hint(chunkId.clone(), packNumber, recordIndex, offset, length));
    if (planning.compareAndSet(false, true)) {
      try {
        readAheadPlanner.execute(this::planReadAhead);
      } catch (RejectedExecutionException e) {
        planning.set(false); // closing
      }
    }
  }

  private void planReadAhead() {
    try {
      Thread.sleep(1);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    planning.set(false); // hints queued from now on get another plan
    List<Hint> batch = new ArrayList<>();
    for (Hint h = hints.poll(); h != null; h = hints.poll()) {
      batch.add(h);
    }
    for (List<Hint> run : runs(batch)) {
      // Best effort: a full queue drops the run before anything is claimed.
      readAhead.execute(() -> fetchRunShared(run));
    }
  }

  /**
   * Groups hints into runs of records that lie back to back in one pack, in pack order, each
   * at most {@value #RUN_MAX_RECORDS} records and {@value #RUN_MAX_BYTES} bytes; duplicates go.
   */
  static List<List<Hint>> runs(List<Hint> hints) {
    List<Hint> sorted = new ArrayList<>(hints);
    sorted.sort(Comparator.comparingLong(Hint::pack).thenComparingLong(Hint::offset));
    List<List<Hint>> runs = new ArrayList<>();
    List<Hint> cur = new ArrayList<>();
    long end = -1;
    long bytes = 0;
    for (Hint h : sorted) {
      if (!cur.isEmpty()) {
        Hint last = cur.get(cur.size() - 1);
        if (last.pack() == h.pack() && last.offset() == h.offset()) {
          continue; // the same record hinted twice
        }
        if (last.pack() != h.pack() || h.offset() != end || cur.size() == RUN_MAX_RECORDS
            || bytes + h.length() > RUN_MAX_BYTES) {
          runs.add(cur);
          cur = new ArrayList<>();
          bytes = 0;
        }
      }
      cur.add(h);
      end = h.offset() + h.length();
      bytes += h.length();
    }
    if (!cur.isEmpty()) {
      runs.add(cur);
    }
    return runs;
  }

  /**
   * Fetches a run of hinted chunks, sharing each fetch like {@link #read}: chunks another thread
   * is fetching, or that are local again, leave the run; the rest are claimed, and whatever
   * claimed chunks still lie back to back come with one ranged GET.
   */
  private void fetchRunShared(List<Hint> run) {
    Map<Hint, CompletableFuture<AdmittedChunk>> claimed = new LinkedHashMap<>();
    try {
      for (Hint h : run) {
        if (ctx.closed) {
          break;
        }
        CompletableFuture<AdmittedChunk> f = new CompletableFuture<>();
        if (inflight.putIfAbsent(ByteBuffer.wrap(h.id()), f) != null) {
          continue;
        }
        claimed.put(h, f);
        AdmittedChunk local = ctx.chunks.localChunk(h.id());
        if (local != null) {
          f.complete(local);
        }
      }
      List<Hint> toFetch = new ArrayList<>();
      claimed.forEach((h, f) -> {
        if (!f.isDone()) {
          toFetch.add(h);
        }
      });
      for (List<Hint> sub : runs(toFetch)) {
        fetchRun(sub, claimed);
      }
    } catch (RuntimeException e) {
      claimed.values().forEach(f -> f.completeExceptionally(e));
      log.debug("read-ahead of evicted chunks failed: {}", e.getMessage());
    } finally {
      claimed.forEach((h, f) -> {
        f.completeExceptionally(new IllegalStateException("read-ahead stopped"));
        inflight.remove(ByteBuffer.wrap(h.id()), f);
      });
    }
  }

  /** One ranged GET for back-to-back records; each chunk is verified on its own. */
  private void fetchRun(List<Hint> sub, Map<Hint, CompletableFuture<AdmittedChunk>> claimed) {
    List<byte[]> stored = null;
    if (sub.size() > 1) {
      try {
        stored = fetchRunOnce(sub);
      } catch (ObjectStoreException e) {
        // Already retried with back-off: the cloud is away, and so it is for each record.
        BlockDeviceException failure = new BlockDeviceException(e.code().retryable()
            ? BlockDeviceException.Kind.NOT_READY
            : BlockDeviceException.Kind.UNRECOVERED_READ_ERROR,
            "cannot read an evicted chunk from the cloud: " + e.code(), e);
        for (Hint h : sub) {
          claimed.get(h).completeExceptionally(failure);
        }
        return;
      } catch (RuntimeException e) {
        // A record that does not open: read them one by one, so only the bad one fails.
        log.debug("a run of {} records did not open; reading them one by one", sub.size());
      }
    }
    for (int i = 0; i < sub.size(); i++) {
      Hint h = sub.get(i);
      CompletableFuture<AdmittedChunk> f = claimed.get(h);
      try {
        byte[] s = stored != null ? stored.get(i)
            : fetchRecord(h.id(), h.pack(), h.recordIndex(), h.offset(), h.length());
        f.complete(admit(h.id(), s));
      } catch (RuntimeException e) {
        f.completeExceptionally(e);
      }
    }
  }

  /** The opened records of {@code sub}, with one ranged GET (counted as one request). */
  private List<byte[]> fetchRunOnce(List<Hint> sub) {
    PackRecord p = ctx.chunks.pack(sub.get(0).pack());
    if (p == null) {
      throw new IllegalStateException("the pack of an evicted chunk is unknown");
    }
    List<PackEntry> entries = new ArrayList<>(sub.size());
    long bytes = 0;
    for (Hint h : sub) {
      entries.add(new PackEntry(ChunkId.of(h.id()), h.recordIndex(), h.offset(), h.length()));
      bytes += h.length();
    }
    long t0 = System.nanoTime();
    List<byte[]> stored;
    try {
      stored = ctx.coldTier.fetchRun(TierContext.ref(p), entries);
    } catch (ObjectStoreException e) {
      ctx.counters.readErrors.increment();
      ctx.meters.request(System.nanoTime() - t0, true);
      ctx.noteError("cold read", e);
      throw e;
    }
    ctx.timed(t0);
    ctx.counters.bytesDown.add(bytes);
    ctx.meters.downloaded(bytes);
    return stored;
  }

  /**
   * One record fetched, authenticated and checked against its chunk ID, not admitted: for a
   * repack, which passes the bytes on to a new pack.
   */
  byte[] fetchVerified(byte[] chunkId, long packNumber, int recordIndex, long offset,
      int length) {
    byte[] stored = fetchRecord(chunkId, packNumber, recordIndex, offset, length);
    try {
      ctx.chunks.verify(chunkId, stored);
    } catch (BlockDeviceException e) {
      integrityFailure("does not match its chunk ID");
      throw e;
    }
    ctx.counters.coldReads.increment();
    ctx.meters.coldRead();
    return stored;
  }

  /**
   * Where a fetched chunk enters the engine: checked once there (decode and chunk ID), put
   * back into the local store, and counted as a cold read.
   */
  private AdmittedChunk admit(byte[] chunkId, byte[] stored) {
    AdmittedChunk c;
    try {
      c = ctx.chunks.admit(chunkId, stored);
    } catch (BlockDeviceException e) {
      integrityFailure("does not match its chunk ID");
      throw e;
    }
    ctx.counters.coldReads.increment();
    ctx.meters.coldRead();
    return c;
  }

  /** One record fetched with one ranged GET and authenticated (AEAD), not yet checked. */
  private byte[] fetchRecord(byte[] chunkId, long packNumber, int recordIndex, long offset,
      int length) {
    PackRecord p = ctx.chunks.pack(packNumber);
    if (p == null) {
      ctx.counters.readErrors.increment();
      throw new BlockDeviceException(BlockDeviceException.Kind.UNRECOVERED_READ_ERROR,
          "the pack of an evicted chunk is unknown");
    }
    PackRef ref = TierContext.ref(p);
    long t0 = System.nanoTime();
    byte[] stored;
    try {
      stored = ctx.coldTier.fetch(ref,
          new PackEntry(ChunkId.of(chunkId), recordIndex, offset, length));
    } catch (CryptoException e) {
      integrityFailure("does not authenticate");
      throw new BlockDeviceException(BlockDeviceException.Kind.UNRECOVERED_READ_ERROR,
          "a chunk read back from the cloud does not authenticate", e);
    } catch (ObjectStoreException e) {
      ctx.counters.readErrors.increment();
      ctx.meters.request(System.nanoTime() - t0, true);
      ctx.noteError("cold read", e);
      throw new BlockDeviceException(e.code().retryable()
          ? BlockDeviceException.Kind.NOT_READY
          : BlockDeviceException.Kind.UNRECOVERED_READ_ERROR,
          "cannot read an evicted chunk from the cloud: " + e.code(), e);
    } catch (RuntimeException e) {
      // A damaged pack may fail to parse before it fails to authenticate.
      integrityFailure("is unreadable");
      throw new BlockDeviceException(BlockDeviceException.Kind.UNRECOVERED_READ_ERROR,
          "a chunk read back from the cloud is unreadable", e);
    }
    ctx.timed(t0);
    ctx.counters.bytesDown.add(length);
    ctx.meters.downloaded(length);
    return stored;
  }

  private void integrityFailure(String what) {
    ctx.counters.integrityFailures.increment();
    ctx.meters.integrityFailure();
    ctx.counters.readErrors.increment();
    ctx.counters.lastError = "a chunk read back from the cloud " + what;
    log.error("cold read refused: a chunk read back from the cloud {}; the read fails with "
        + "MEDIUM ERROR and no data is returned", what);
  }

}
