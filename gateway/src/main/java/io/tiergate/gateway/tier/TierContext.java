package io.tiergate.gateway.tier;

import io.tiergate.crypto.KeyRing;
import io.tiergate.gateway.engine.BlockEngine;
import io.tiergate.gateway.engine.ChunkTierStore;
import io.tiergate.gateway.engine.PackRecord;
import io.tiergate.tiering.CloudTier;
import io.tiergate.tiering.PackRef;
import io.tiergate.tiering.UploadedPack;
import io.tiergate.tiering.store.BandwidthLimiter;
import io.tiergate.tiering.store.ObjectStore;
import io.tiergate.tiering.store.ObjectStoreException;
import io.tiergate.tiering.store.RetryingObjectStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the parts of the cloud tier share: the engine's tier store, the key ring, the settings
 * and the store in force, the health, the counters and meters, and the pass lock.
 *
 * <p>Owns: the store triple ({@link #objects}, {@link #tier}, {@link #coldTier}) and the
 * settings, replaced together by {@link StoreSwitch} under the pass lock; the {@code closed}
 * and {@code cloudReady} flags. Concurrency: every field is final or volatile; a part that
 * needs the store for a whole operation reads {@link #tier} once into a local.
 */
final class TierContext {
  private static final Logger log = LoggerFactory.getLogger(CloudTierService.class);

  final BlockEngine engine;
  final ChunkTierStore chunks;
  final KeyRing keys;
  final Path dataDir;
  final CloudHealth health;
  final BandwidthLimiter limiter;
  final TierCounters counters = new TierCounters();
  /** Passes (upload, eviction's uploads, GC, a store switch) run one at a time under it. */
  final ReentrantLock passLock = new ReentrantLock();
  volatile CloudConfig config;
  volatile ObjectStore objects;
  volatile CloudTier tier;
  /** The same store with the short retry budget of cold reads (same delegate as objects). */
  volatile CloudTier coldTier;
  volatile TierMeters meters = TierMeters.NONE;
  volatile boolean closed;
  /** Set once the store answered and holds this appliance's key ring (or none). */
  volatile boolean cloudReady;

  TierContext(BlockEngine engine, KeyRing keys, CloudConfig config, Path dataDir,
      ObjectStore store) {
    this.engine = engine;
    this.chunks = engine.tierStore();
    this.keys = keys;
    this.config = config;
    this.dataDir = dataDir;
    this.health = new CloudHealth(config.alertAfter(), System::currentTimeMillis);
    this.limiter = new BandwidthLimiter(config.bandwidthBytesPerSecond());
    useStore(config, store);
  }

  /** Puts {@code store} (not yet observed) in force with {@code next}; caller holds the lock. */
  void useStore(CloudConfig next, ObjectStore store) {
    objects = observed(store);
    tier = new CloudTier(objects, keys, limiter, 8);
    coldTier = new CloudTier(coldView(objects, next), keys, limiter, 8);
    config = next;
  }

  /** Every attempt on {@code store} reports to the health; one that does not retry tries once. */
  private ObjectStore observed(ObjectStore store) {
    RetryingObjectStore r = store instanceof RetryingObjectStore rs ? rs
        : new RetryingObjectStore(store, Duration.ofMillis(200), Duration.ofSeconds(10),
            Duration.ZERO);
    return r.observedBy(health);
  }

  /** The store as cold reads use it: retried for half their time bound, then given up. */
  private static ObjectStore coldView(ObjectStore observed, CloudConfig config) {
    return ((RetryingObjectStore) observed).withBudget(config.coldReadTimeout().dividedBy(2));
  }

  /** Where the tier stores, for people (never a secret). */
  String describe() {
    return config.describe(dataDir);
  }

  /** Whether the tier may not touch its store (another appliance's container). */
  boolean foreign() {
    return health.state() == CloudHealth.State.FOREIGN_CONTAINER;
  }

  String foreignMessage() {
    return "the cloud tier is not attached: " + health.lastError();
  }

  /** Counts one answered request that started at {@code t0} (System.nanoTime). */
  void timed(long t0) {
    long nanos = System.nanoTime() - t0;
    counters.requests.increment();
    counters.requestNanos.add(nanos);
    meters.request(nanos, false);
  }

  /** Records a failed cloud operation as the last error, and logs it without secrets. */
  void noteError(String what, RuntimeException e) {
    String msg = what + " failed: " + (e instanceof ObjectStoreException o ? o.code() + " "
        : "") + e.getClass().getSimpleName();
    counters.lastError = msg;
    log.warn("cloud tier: {} ({}); local data is safe and will be retried", msg, e.getMessage());
  }

  /** The local pack record of a pack just uploaded. */
  static PackRecord packRecord(UploadedPack up) {
    PackRef r = up.ref();
    return new PackRecord(r.packId(), r.keyId(), r.salt(), up.size(), false, 0);
  }

  /** The cloud tier's reference to the pack a local pack record describes. */
  static PackRef ref(PackRecord p) {
    return new PackRef(p.packId(), p.keyId(), p.salt());
  }
}
