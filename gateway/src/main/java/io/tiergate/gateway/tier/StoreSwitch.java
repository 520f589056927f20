package io.tiergate.gateway.tier;

import io.tiergate.gateway.engine.ChunkTierStore;
import io.tiergate.tiering.store.ObjectStore;
import io.tiergate.tiering.store.ObjectStoreException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Store matching and switching: whether a candidate store holds this appliance's cloud data,
 * and putting it in force without a restart (rotated credentials, another account holding the
 * same data, or a first real cloud).
 *
 * <p>Owns no state of its own: it replaces the context's store triple and settings.
 *
 * <p>Concurrency: the switch holds the pass lock, so no upload, eviction pass or GC runs while
 * the store changes, and the match is checked again under it (no pack uploaded since the
 * caller's own check can be left behind). Cold reads do not take the lock: those already
 * fetching finish on the old store, which is closed once they have drained (bounded).
 */
final class StoreSwitch {
  private static final Logger log = LoggerFactory.getLogger(StoreSwitch.class);

  private final TierContext ctx;
  private final ColdReads cold;
  private final CloudMetadataPublisher metadata;

  StoreSwitch(TierContext ctx, ColdReads cold, CloudMetadataPublisher metadata) {
    this.ctx = ctx;
    this.cold = cold;
    this.metadata = metadata;
  }

  /**
   * Compares a candidate store with this appliance's cloud data, reading only: every pack
   * this appliance has uploaded must be there (pack names are random, so they identify the
   * store), and a key ring there must be this appliance's.
   *
   * @throws ObjectStoreException when the candidate cannot be listed or read
   */
  CloudTierService.StoreMatch match(ObjectStore candidate) {
    List<ChunkTierStore.PackInfo> mine = ctx.chunks.packs();
    Set<String> there = new HashSet<>();
    if (!mine.isEmpty()) {
      for (ObjectStore.ObjectInfo o : candidate.list("packs/")) {
        there.add(o.name());
      }
    }
    int missing = 0;
    for (ChunkTierStore.PackInfo p : mine) {
      if (!there.contains(TierContext.ref(p.record()).objectName())) {
        missing++;
      }
    }
    return new CloudTierService.StoreMatch(mine.size(), missing,
        KeyRingMatch.of(candidate, ctx.keys));
  }

  /**
   * Switches the tier to another store without a restart: rotated credentials, another
   * account that holds the same data, or a first real cloud. Waits for the running pass
   * (upload, eviction, GC) and holds new ones off while the store is swapped; cold reads
   * already fetching finish on the old store, which is closed once they are done (waiting at
   * most {@code drain}). The next pass creates the container if needed and publishes the key
   * ring there.
   *
   * <p>{@link #match} is checked again under the pass lock, so that no pack uploaded since the
   * caller's own check can be left behind; when the store is not acceptable nothing changes
   * and the match is returned. {@code beforeSwitch} runs under the lock once the match holds
   * (to save the new settings); if it throws, nothing changes either.
   *
   * <p>The old store's index journal is not flushed: a pass flushes it when it ends, and a
   * pack not yet journaled is still found from its own trailer.
   *
   * @return the match the switch was decided on
   */
  CloudTierService.StoreMatch replaceStore(CloudConfig next, ObjectStore store, Duration drain,
      Runnable beforeSwitch) throws InterruptedException {
    ObjectStore old;
    CloudTierService.StoreMatch m;
    ctx.passLock.lockInterruptibly();
    try {
      m = match(store);
      if (!m.acceptable()) {
        return m;
      }
      beforeSwitch.run();
      old = ctx.objects;
      ctx.useStore(next, store);
      ctx.cloudReady = false;
      metadata.forget();
      ctx.counters.lastError = null;
      ctx.health.reset();
    } finally {
      ctx.passLock.unlock();
    }
    long deadline = System.nanoTime() + drain.toNanos();
    while (!cold.idle() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    old.close();
    log.info("cloud tier switched to {}", next.describe(ctx.dataDir));
    return m;
  }
}
