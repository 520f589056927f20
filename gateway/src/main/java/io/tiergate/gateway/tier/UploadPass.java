package io.tiergate.gateway.tier;

import io.tiergate.crypto.ChunkId;
import io.tiergate.gateway.engine.ChunkTierStore;
import io.tiergate.gateway.engine.ChunkTierStore.DirtyChunk;
import io.tiergate.tiering.CloudTier;
import io.tiergate.tiering.UploadedPack;
import io.tiergate.tiering.pack.PackEntry;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * The upload pass: cold dirty chunks go to the cloud in packs, and become clean only once
 * their pack is durable there.
 *
 * <p>Owns: the upload pool ({@code upload-parallelism} threads). A pass selects dirty chunks
 * last used before a given time (all of them for a sync), cuts them into packs of at most 32 MiB
 * (16-32 MiB when there is that much; a sync sends the remainder too), seals each pack on the
 * pass thread and hands it to the first uploader that frees up, with no barrier between packs.
 * Chunks already sealed or on the wire are still dirty, so each selection skips them. Only
 * after {@link CloudTier#upload} returned are the chunks' new state and location committed, in
 * one synced batch; a failed upload leaves its chunks dirty and fails the pass.
 *
 * <p>Concurrency: one pass at a time, under the context's pass lock (held for the whole pass,
 * uploads included); the uploads of one pass run in parallel, bounded by a semaphore. An
 * interrupted or failed pass still waits for its uploads in flight to end (and commit what is
 * durable) before the next pass may select their chunks again.
 */
final class UploadPass {
  static final long PACK_MAX = 32L << 20;
  static final long PACK_MIN = 16L << 20;

  private final TierContext ctx;
  private final ExecutorService uploaders;
  private final BooleanSupplier underPressure;

  /**
   * @param underPressure whether local space is short: a periodic pass then sends less than a
   *     pack's worth too
   */
  UploadPass(TierContext ctx, BooleanSupplier underPressure) {
    this.ctx = ctx;
    this.underPressure = underPressure;
    this.uploaders = Executors.newFixedThreadPool(ctx.config.uploadParallelism(),
        ColdReads.daemon("tiergate-upload"));
  }

  /** A sealed pack handed to an uploader: the chunks it holds, and whether it has ended. */
  private static final class PackJob {
    final List<byte[]> ids;
    final long storedBytes;
    volatile boolean ended;
    Future<?> future;

    PackJob(List<byte[]> ids, long storedBytes) {
      this.ids = ids;
      this.storedBytes = storedBytes;
    }
  }

  /**
   * Uploads the dirty chunks last used before {@code writtenBefore} (with {@code all}, also a
   * last pack under 16 MiB) and waits until they are committed.
   *
   * @throws IllegalStateException when the tier has not attached, or an upload failed
   */
  void run(long writtenBefore, boolean all) throws InterruptedException {
    if (!ctx.cloudReady) {
      throw new IllegalStateException(ctx.foreign() ? ctx.foreignMessage()
          : "the cloud tier has not reached its store yet");
    }
    ctx.passLock.lockInterruptibly();
    Pass pass = new Pass(ctx.tier);
    try {
      pass.run(writtenBefore, all);
    } finally {
      // Interrupted or failed: still let the uploads in flight end (and commit what is
      // durable) before the next pass may select their chunks again.
      if (!pass.jobs.isEmpty() && awaitAll(pass.jobs)) {
        Thread.currentThread().interrupt();
      }
      ctx.passLock.unlock();
    }
  }

  /** The state of one pass: its jobs, its first failure, its upload slots. */
  private final class Pass {
    final CloudTier t;
    final List<PackJob> jobs = new ArrayList<>();
    final AtomicReference<RuntimeException> failure = new AtomicReference<>();
    final Semaphore slots = new Semaphore(ctx.config.uploadParallelism());
    // Chunks of packs sealed or uploading in this pass: still dirty until their commit, so a
    // selection returns them again and must skip them.
    final Set<ByteBuffer> onTheWay = new HashSet<>();

    Pass(CloudTier t) {
      this.t = t;
    }

    boolean going() {
      return !ctx.closed && failure.get() == null;
    }

    void run(long writtenBefore, boolean all) throws InterruptedException {
      boolean more = true;
      while (more && going()) {
        dropEnded();
        // Chunks on the way are skipped by the selection itself, so it reads no bytes of them.
        List<DirtyChunk> fresh = ctx.chunks.dirtyChunks(writtenBefore, PACK_MAX,
            id -> onTheWay.contains(ByteBuffer.wrap(id)));
        long freshBytes = storedBytes(fresh);
        more = freshBytes >= PACK_MAX; // cut short: more may be waiting
        if (fresh.isEmpty()) {
          break;
        }
        if (!all && freshBytes < PACK_MIN && !underPressure.getAsBoolean()) {
          break; // wait until a pack's worth has gone cold, unless space is short
        }
        List<List<DirtyChunk>> packs = cut(fresh);
        fresh = null;
        if (more && packs.size() > 1 && storedBytes(packs.get(packs.size() - 1)) < PACK_MIN) {
          packs.remove(packs.size() - 1); // selected again next round, with its followers
        }
        while (!packs.isEmpty() && going()) {
          if (!send(packs.remove(0))) {
            break; // closing
          }
        }
      }
      awaitAll(jobs);
      jobs.clear();
      RuntimeException f = failure.get();
      if (f != null) {
        ctx.noteError("upload", f);
        throw new IllegalStateException("upload to the cloud failed; chunks stay dirty and "
            + "are retried: " + f.getMessage(), f);
      }
      t.flushJournal();
    }

    /**
     * Packs that have ended are committed (or failed, which ends the pass) before the next
     * selection reads: their chunks are no longer dirty, so nothing needs to skip them.
     */
    void dropEnded() {
      List<PackJob> ended = jobs.stream().filter(j -> j.ended).toList();
      for (PackJob j : ended) {
        for (byte[] id : j.ids) {
          onTheWay.remove(ByteBuffer.wrap(id));
        }
      }
      jobs.removeAll(ended);
    }

    /** Seals {@code p} and hands it to an uploader; false when the tier closed meanwhile. */
    boolean send(List<DirtyChunk> p) throws InterruptedException {
      List<CloudTier.Record> records = new ArrayList<>(p.size());
      List<byte[]> ids = new ArrayList<>(p.size());
      long bytes = 0;
      for (DirtyChunk c : p) {
        records.add(new CloudTier.Record(ChunkId.of(c.id()), c.stored()));
        ids.add(c.id());
        onTheWay.add(ByteBuffer.wrap(c.id()));
        bytes += c.stored().length;
      }
      // Sealing here overlaps the uploads in flight; the plaintext is dropped once sealed.
      CloudTier.SealedPack sealed = t.seal(records);
      records = null;
      PackJob job = new PackJob(ids, bytes);
      queued(bytes);
      if (!acquireSlot(slots)) {
        queued(-bytes);
        return false;
      }
      try {
        job.future = uploaders.submit(() -> {
          try {
            uploadAndCommit(t, sealed, ids);
          } catch (RuntimeException e) {
            failure.compareAndSet(null, e);
          } catch (InterruptedException e) {
            failure.compareAndSet(null, new IllegalStateException("upload interrupted"));
          } finally {
            queued(-job.storedBytes);
            job.ended = true;
            slots.release();
          }
          return null;
        });
        jobs.add(job);
      } catch (RejectedExecutionException e) {
        queued(-bytes);
        slots.release();
        failure.compareAndSet(null, new IllegalStateException("the uploaders are stopped"));
      }
      return true;
    }
  }

  private void queued(long bytes) {
    ctx.meters.uploadQueue(ctx.counters.uploadQueueBytes.addAndGet(bytes));
  }

  static long storedBytes(List<DirtyChunk> pack) {
    long bytes = 0;
    for (DirtyChunk c : pack) {
      bytes += c.stored().length;
    }
    return bytes;
  }

  /** Waits for a free uploader; false when the service closed meanwhile. */
  private boolean acquireSlot(Semaphore slots) throws InterruptedException {
    while (!slots.tryAcquire(200, TimeUnit.MILLISECONDS)) {
      if (ctx.closed && uploaders.isShutdown()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Waits until every job ended, or until the service closed and its uploaders stopped (a job
   * never started then never ends).
   *
   * @return whether the wait was interrupted (the caller restores the flag)
   */
  private boolean awaitAll(List<PackJob> jobs) {
    boolean interrupted = false;
    for (PackJob j : jobs) {
      while (!j.ended) {
        try {
          j.future.get(200, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | CancellationException e) {
          break; // the task recorded its failure itself
        } catch (TimeoutException e) {
          if (ctx.closed && uploaders.isTerminated()) {
            return interrupted;
          }
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    return interrupted;
  }

  /** Cuts dirty chunks, in selection order, into packs of at most {@value #PACK_MAX} bytes. */
  static List<List<DirtyChunk>> cut(List<DirtyChunk> d) {
    List<List<DirtyChunk>> packs = new ArrayList<>();
    List<DirtyChunk> cur = new ArrayList<>();
    long bytes = 0;
    for (DirtyChunk c : d) {
      if (!cur.isEmpty() && bytes + c.stored().length > PACK_MAX) {
        packs.add(cur);
        cur = new ArrayList<>();
        bytes = 0;
      }
      cur.add(c);
      bytes += c.stored().length;
    }
    if (!cur.isEmpty()) {
      packs.add(cur);
    }
    return packs;
  }

  private void uploadAndCommit(CloudTier t, CloudTier.SealedPack sealed, List<byte[]> ids)
      throws InterruptedException {
    long t0 = System.nanoTime();
    UploadedPack up;
    try {
      up = t.upload(sealed);
    } catch (RuntimeException e) {
      ctx.counters.uploadErrors.increment();
      ctx.meters.request(System.nanoTime() - t0, true);
      throw e;
    }
    ctx.timed(t0);
    List<ChunkTierStore.Placement> placements = new ArrayList<>(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      PackEntry e = up.entries().get(i);
      placements.add(new ChunkTierStore.Placement(ids.get(i), e.recordIndex(), e.offset(),
          e.length()));
    }
    // Only now, with the pack durable, may its chunks become clean.
    ctx.chunks.commitPack(TierContext.packRecord(up), placements, -1);
    ctx.counters.bytesUp.add(up.size());
    ctx.meters.uploaded(up.size());
    ctx.counters.packsUploaded.increment();
    ctx.counters.chunksUploaded.add(ids.size());
    ctx.counters.lastUploadMillis.set(System.currentTimeMillis());
    ctx.counters.lastError = null; // the cloud answers again: what was waiting is moving
  }

  /**
   * Stops the uploaders at once and waits for them (at most 30 s). An interrupted upload
   * leaves its chunks dirty (they are committed only after a confirmed put), so stopping at
   * once is safe; the next start uploads them again.
   */
  void close() throws InterruptedException {
    uploaders.shutdownNow();
    uploaders.awaitTermination(30, TimeUnit.SECONDS);
  }
}
