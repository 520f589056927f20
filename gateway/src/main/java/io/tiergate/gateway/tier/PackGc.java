package io.tiergate.gateway.tier;

import io.tiergate.crypto.ChunkId;
import io.tiergate.gateway.engine.ChunkTierStore;
import io.tiergate.tiering.CloudTier;
import io.tiergate.tiering.PackRef;
import io.tiergate.tiering.UploadedPack;
import io.tiergate.tiering.pack.PackEntry;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pack GC: repacks packs that are mostly dead and deletes dead packs after their grace period.
 *
 * <p>Owns: the pending-GC count. A pack whose dead bytes pass {@value #REPACK_DEAD_SHARE} of it
 * is repacked (its live chunks, fetched first when evicted, go into a new pack, moved in one
 * batch); a pack with no live bytes becomes dead and is deleted from the cloud only after
 * {@code gc-grace}, so a reader that located a chunk in it a moment ago still finds it. Only
 * dead packs are ever deleted, and only in a store the tier attached to. The pending count
 * (packs past the threshold plus dead packs not yet deleted) is recounted from the pack
 * records alone by {@link #refreshGcPending}, so it follows overwrites without a GC.
 *
 * <p>Concurrency: a GC runs under the context's pass lock, so never beside an upload pass or a
 * store switch; cold reads go on meanwhile (a dead pack is kept for them during its grace).
 */
final class PackGc {
  private static final Logger log = LoggerFactory.getLogger(PackGc.class);
  static final double REPACK_DEAD_SHARE = 0.20;

  private final TierContext ctx;
  private final ColdReads cold;

  /** @param cold fetches the evicted live chunks of a pack being repacked */
  PackGc(TierContext ctx, ColdReads cold) {
    this.ctx = ctx;
    this.cold = cold;
  }

  /**
   * Recounts the packs the GC has work for from the pack records and their counters (no chunk scan,
   * no cloud request) and reports it to the meters.
   */
  long refreshGcPending() {
    long pending = 0;
    for (ChunkTierStore.PackInfo p : ctx.chunks.packs()) {
      if (p.record().dead() || p.liveBytes() == 0 || pastDeadThreshold(p)) {
        pending++;
      }
    }
    ctx.counters.gcPendingPacks.set(pending);
    ctx.meters.gc(pending, 0);
    return pending;
  }

  static boolean pastDeadThreshold(ChunkTierStore.PackInfo p) {
    long total = p.liveBytes() + p.deadBytes();
    return total > 0 && p.deadBytes() > REPACK_DEAD_SHARE * total;
  }

  /**
   * One GC pass: packs without live bytes become dead, packs past 20% dead bytes are
   * repacked, and dead packs older than the grace period (all dead packs with {@code
   * ignoreGrace}) are deleted from the cloud and forgotten.
   *
   * @return packs deleted
   */
  int gc(boolean ignoreGrace) throws InterruptedException {
    if (!ctx.cloudReady) {
      return 0; // deletes only in a store this tier attached to
    }
    ctx.passLock.lockInterruptibly();
    try {
      long now = System.currentTimeMillis();
      List<ChunkTierStore.PackInfo> deletable = new ArrayList<>();
      // What is left for a later GC once this one is done: dead packs in their grace period,
      // and packs past the threshold that are not dead yet. Counted as we go: no second scan.
      long pending = 0;
      for (ChunkTierStore.PackInfo p : ctx.chunks.packs()) {
        if (!p.record().dead() && p.liveBytes() == 0) {
          ctx.chunks.markDeadIfEmpty(p.number(), now);
          pending++; // dead from now on, deleted after the grace period
          continue;
        }
        if (p.record().dead()) {
          if (ignoreGrace
              || now - p.record().deadSinceMillis() >= ctx.config.gcGrace().toMillis()) {
            deletable.add(p);
          } else {
            pending++;
          }
          continue;
        }
        if (pastDeadThreshold(p)) {
          repack(p);
          pending++; // dead now and in its grace period (or, if a chunk stayed, still due)
          ctx.chunks.markDeadIfEmpty(p.number(), System.currentTimeMillis());
        }
      }
      ctx.counters.gcPendingPacks.set(pending + deletable.size());
      ctx.meters.gc(pending + deletable.size(), 0);
      return deletable.isEmpty() ? 0 : delete(deletable, pending);
    } finally {
      ctx.passLock.unlock();
    }
  }

  /** Deletes dead packs from the cloud, then forgets them; {@code pending} are left. */
  private int delete(List<ChunkTierStore.PackInfo> deletable, long pending) {
    List<PackRef> refs = new ArrayList<>();
    List<Long> numbers = new ArrayList<>();
    for (ChunkTierStore.PackInfo p : deletable) {
      refs.add(TierContext.ref(p.record()));
      numbers.add(p.number());
    }
    ctx.tier.deletePacks(refs);
    ctx.chunks.forgetPacks(numbers);
    ctx.counters.packsDeleted.add(numbers.size());
    ctx.counters.gcPendingPacks.set(pending);
    ctx.meters.gc(pending, deletable.stream().mapToLong(p -> p.record().objectSize()).sum());
    log.info("GC deleted {} dead pack(s) from the cloud", numbers.size());
    return numbers.size();
  }

  /** Moves the live chunks of {@code p} (fetched first when evicted) into a new pack. */
  private void repack(ChunkTierStore.PackInfo p) throws InterruptedException {
    List<ChunkTierStore.PackedChunk> live = ctx.chunks.chunksIn(p.number());
    if (live.isEmpty()) {
      return;
    }
    List<CloudTier.Record> records = new ArrayList<>(live.size());
    for (ChunkTierStore.PackedChunk c : live) {
      byte[] stored = c.local() ? ctx.chunks.localBytes(c.id()) : null;
      if (stored == null) {
        stored = cold.fetchVerified(c.id(), p.number(), c.recordIndex(), c.offset(),
            c.sealedLength());
      }
      records.add(new CloudTier.Record(ChunkId.of(c.id()), stored));
    }
    long t0 = System.nanoTime();
    UploadedPack up = ctx.tier.uploadPack(records);
    ctx.timed(t0);
    List<ChunkTierStore.Placement> placements = new ArrayList<>(live.size());
    for (int i = 0; i < live.size(); i++) {
      PackEntry e = up.entries().get(i);
      placements.add(new ChunkTierStore.Placement(live.get(i).id(), e.recordIndex(), e.offset(),
          e.length()));
    }
    ctx.chunks.commitPack(TierContext.packRecord(up), placements, p.number());
    ctx.tier.flushJournal();
    ctx.counters.bytesUp.add(up.size());
    ctx.counters.packsRepacked.increment();
    log.info("repacked a pack with {}% dead bytes ({} live chunks)",
        p.deadBytes() * 100 / (p.liveBytes() + p.deadBytes()), live.size());
  }
}
