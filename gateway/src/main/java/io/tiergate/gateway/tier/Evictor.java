package io.tiergate.gateway.tier;

import java.io.IOException;
import java.nio.file.Files;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Eviction and back-pressure: keeps the local chunk store under its capacity by evicting clean
 * chunks, and makes a write wait for uploads when only dirty chunks are left.
 *
 * <p>Owns: the capacity override and the one urgent upload in flight. Above the high watermark
 * of the capacity, clean chunks are evicted coldest first down to the low watermark; dirty
 * chunks never are. A write that finds no room ({@link #reclaim}) evicts what it can, then
 * asks for an upload of every dirty chunk (on the tier's scheduler thread) and evicts what
 * that makes clean, for at most {@value #BACK_PRESSURE_MILLIS} ms; then it fails with SPACE
 * ALLOCATION FAILED: dirty chunks are never dropped. Nothing is evicted from another
 * appliance's container.
 *
 * <p>Concurrency: eviction itself is the tier store's (atomic per batch); any thread may call
 * in. At most one urgent upload is queued at a time ({@code synchronized} on this).
 */
final class Evictor {
  private static final Logger log = LoggerFactory.getLogger(Evictor.class);
  /** Longest a write waits for room (uploads to finish) before it fails. */
  static final long BACK_PRESSURE_MILLIS = 10_000;

  private final TierContext ctx;
  private final ExecutorService scheduler;
  private final Runnable uploadAll;
  private volatile long capacityOverride;
  private volatile Future<?> urgent;

  /**
   * @param scheduler where an urgent upload runs
   * @param uploadAll uploads every dirty chunk, handling its own failures
   */
  Evictor(TierContext ctx, ExecutorService scheduler, Runnable uploadAll) {
    this.ctx = ctx;
    this.scheduler = scheduler;
    this.uploadAll = uploadAll;
  }

  /** Overrides the capacity the watermarks apply to (0: the engine's limit or the disk's). */
  void setCacheCapacity(long bytes) {
    capacityOverride = bytes;
  }

  /** The capacity the watermarks apply to. */
  long cacheCapacity() {
    long o = capacityOverride;
    if (o > 0) {
      return o;
    }
    long c = ctx.chunks.capacityBytes();
    if (c != Long.MAX_VALUE) {
      return c;
    }
    try {
      return Files.getFileStore(ctx.dataDir).getTotalSpace();
    } catch (IOException e) {
      return Long.MAX_VALUE;
    }
  }

  /** Whether local chunks are above the high watermark. */
  boolean underPressure() {
    return ctx.chunks.localBytes() > ctx.config.highWatermark() * cacheCapacity();
  }

  /** Evicts clean chunks when above the high watermark, down to the low one. */
  long evictToWatermark() {
    if (ctx.foreign()) {
      return 0;
    }
    long cap = cacheCapacity();
    long local = ctx.chunks.localBytes();
    if (cap == Long.MAX_VALUE || local <= ctx.config.highWatermark() * cap) {
      return 0;
    }
    long freed = ctx.chunks.evict(local - (long) (ctx.config.lowWatermark() * cap));
    ctx.counters.evictedBytes.add(freed);
    if (freed > 0) {
      log.info("evicted {} bytes of clean chunks (local {} of {} capacity)", freed, local, cap);
    }
    return freed;
  }

  /**
   * Evicts every clean chunk ({@code Clear-Cache}); dirty chunks stay. Evicts nothing while the
   * store is another appliance's (this appliance's packs are not there).
   */
  long evictAll() {
    if (ctx.foreign()) {
      log.warn("cache not cleared: {}", ctx.foreignMessage());
      return 0; // nothing local is in this store
    }
    long freed = ctx.chunks.evict(Long.MAX_VALUE);
    ctx.counters.evictedBytes.add(freed);
    log.info("cache cleared: {} bytes of clean chunks evicted", freed);
    return freed;
  }

  /**
   * Back-pressure: evicts clean chunks (down to the low watermark when it can); when that is
   * not enough, asks for an upload of every dirty chunk and keeps evicting what it makes clean,
   * for at most {@value #BACK_PRESSURE_MILLIS} ms. With the cloud unreachable nothing becomes
   * clean, and the write then fails with SPACE ALLOCATION FAILED: dirty chunks are never
   * dropped.
   */
  long reclaim(long bytes) {
    if (ctx.foreign()) {
      return 0; // nothing local is in this store: writes get SPACE ALLOCATION FAILED
    }
    long cap = cacheCapacity();
    long toLow = ctx.chunks.localBytes() - (long) (ctx.config.lowWatermark() * cap);
    long freed = ctx.chunks.evict(Math.max(bytes, toLow));
    ctx.counters.evictedBytes.add(freed);
    if (freed >= bytes || ctx.closed) {
      return freed;
    }
    log.warn("local capacity reached with {} bytes waiting for the cloud: writes wait for "
        + "uploads", ctx.chunks.dirtyBytes());
    long deadline = System.currentTimeMillis() + BACK_PRESSURE_MILLIS;
    while (freed < bytes && System.currentTimeMillis() < deadline && !ctx.closed) {
      // Asked again each round: a pass already running when the first request came may have
      // scanned before this write's predecessors were dirty.
      urgentUpload();
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      long f = ctx.chunks.evict(bytes - freed);
      ctx.counters.evictedBytes.add(f);
      freed += f;
    }
    if (freed < bytes) {
      log.error("local capacity full of chunks not yet in the cloud ({}); writes fail with "
          + "SPACE ALLOCATION FAILED until uploads resume", ctx.counters.lastError == null
          ? "uploads too slow" : ctx.counters.lastError);
    }
    return freed;
  }

  /** Queues an upload of every dirty chunk unless one is queued or running. */
  private synchronized void urgentUpload() {
    Future<?> u = urgent;
    if (u != null && !u.isDone()) {
      return;
    }
    urgent = scheduler.submit(uploadAll);
  }
}
