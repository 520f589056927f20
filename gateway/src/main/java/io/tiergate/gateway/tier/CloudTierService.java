package io.tiergate.gateway.tier;

import com.azure.core.http.policy.HttpPipelinePolicy;
import io.tiergate.crypto.KeyRing;
import io.tiergate.gateway.engine.BlockEngine;
import io.tiergate.gateway.engine.ChunkTierStore;
import io.tiergate.gateway.engine.ColdReader;
import io.tiergate.gateway.engine.PackRecord;
import io.tiergate.gateway.engine.SpaceReclaimer;
import io.tiergate.tiering.CloudTier;
import io.tiergate.tiering.PackRef;
import io.tiergate.tiering.store.ObjectStore;
import io.tiergate.tiering.store.ObjectStoreException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's cloud tier: uploads cold dirty chunks in packs, evicts clean chunks under local
 * pressure, reads evicted chunks back, and collects dead packs.
 *
 * <p>Upload: a pass takes the dirty chunks of no pinned volume whose last use (read or write) is
 * older than {@code tier-after} (all of them for a sync), cuts them into packs of at most 32 MiB
 * (16-32 MiB when there is that much; a sync sends the remainder too) and keeps {@code
 * upload-parallelism} uploads going under the shared bandwidth limit with no barrier between packs:
 * while they run, the pass thread selects and seals the next pack (sealing computes the Content-MD5
 * as it goes), and hands it to the first uploader that frees up. Chunks already sealed or on the
 * wire are still dirty, so each selection skips them. Only after {@link CloudTier#upload} returned
 * (the pack is durable) are the chunks' new state and location committed, in one synced batch. A
 * failed upload leaves its chunks dirty: nothing is marked clean that is not in the cloud, and the
 * next pass tries again. The records are the chunks' stored bytes (header and LZ4 payload), so a
 * cold read needs no re-encoding.
 *
 * <p>Eviction: above the high watermark of the local capacity, clean chunks are evicted
 * coldest first down to the low watermark; dirty chunks never are.
 *
 * <p>Cold reads: one ranged GET of the sealed record, authenticated decryption, then the engine
 * checks that the bytes decode and hash to the chunk ID before serving them. Concurrent misses
 * on one chunk share one fetch. Read-ahead hints are gathered for a moment, sorted by pack and
 * offset, and records that lie back to back in a pack (chunks packed in volume order) come
 * with one ranged GET per run; a reader of any of them joins that fetch. A chunk that fails is never served: the command fails with
 * UNRECOVERED READ ERROR (MEDIUM ERROR sense), and the failure is logged and counted.
 *
 * <p>GC: a pack whose dead bytes pass 20% is repacked (its live chunks, fetched first when
 * evicted, go into a new pack, moved in one batch); a pack with no live bytes becomes dead and
 * is deleted from the cloud only after {@code gc-grace}, so a reader that located a chunk in it
 * a moment ago still finds it. Only dead packs are ever deleted. The pending-GC gauge (packs
 * past the threshold plus dead packs not yet deleted) is recounted by every periodic pass
 * before its GC, from the pack records alone, so it follows overwrites without waiting for a
 * GC to run (or to succeed).
 *
 * <p>Whose container: before its first write to a store the tier reads the store's key ring
 * ({@link KeyRingMatch}). A ring that is not this appliance's (not even an older generation of
 * it) means the container belongs to another appliance: the tier does not attach, writes
 * nothing there (no pack, key ring, catalogue or journal), deletes nothing, evicts nothing, and
 * says so in its state ({@code foreign-container}) and log, while the engine serves the local
 * volumes. Publishing the key ring replaces only older generations of this appliance's own.
 *
 * <p>Health ({@link CloudHealth}): every attempt of every store call reports whether the store
 * answered, so an outage shows at its first failed attempt and a recovery at the first answer;
 * a probe every few seconds while the store is away (and after a quiet spell while it is not)
 * keeps the state current with no traffic, and raises the alert after {@code
 * cloud-alert-after}. A cold read waits at most {@code cold-read-timeout} (default 10 s, under
 * the initiators' 30 s command timeout) and then fails with NOT READY, which initiators retry;
 * while the store is marked away, cold reads fail at once instead of each waiting.
 *
 * <p>Concurrency: passes (upload, eviction, GC) run one at a time under one lock, on the
 * scheduler's thread or on the caller's (a sync); uploads fan out to the upload pool. A cold
 * read's fetch runs on the cold-read pool while the reading thread waits for it, bounded.
 */
public final class CloudTierService implements ColdReader, SpaceReclaimer, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CloudTierService.class);
  /** Longest a write waits for room (uploads to finish) before it fails. */
  static final long BACK_PRESSURE_MILLIS = Evictor.BACK_PRESSURE_MILLIS;

  /** The cloud tier's reference to the pack a local pack record describes. */
  static PackRef ref(PackRecord p) {
    return TierContext.ref(p);
  }

  private final TierContext ctx;
  private final BlockEngine engine;
  private final ChunkTierStore chunks;
  private final KeyRing keys;
  private final Path dataDir;
  private final CloudHealth health;
  private final TierCounters counters;
  private final ReentrantLock passLock;
  private final ColdReads cold;
  private final CloudProbe probe;
  private final UploadPass upload;
  private final ScheduledExecutorService scheduler;
  private final Evictor evictor;
  private final PackGc gc;
  private final CloudMetadataPublisher metadata;
  private final StoreSwitch storeSwitch;
  private volatile long dirtyCache = -1;
  private volatile long dirtyCacheAt;

  private CloudTierService(BlockEngine engine, KeyRing keys, CloudConfig config, Path dataDir,
      ObjectStore objects) {
    this.ctx = new TierContext(engine, keys, config, dataDir, objects);
    this.engine = engine;
    this.chunks = ctx.chunks;
    this.keys = keys;
    this.dataDir = dataDir;
    this.health = ctx.health;
    this.health.setListener(healthToMeters);
    this.counters = ctx.counters;
    this.passLock = ctx.passLock;
    this.cold = new ColdReads(ctx);
    this.probe = new CloudProbe(ctx, cold);
    this.gc = new PackGc(ctx, cold);
    this.metadata = new CloudMetadataPublisher(ctx);
    this.storeSwitch = new StoreSwitch(ctx, cold, metadata);
    this.scheduler = Executors.newSingleThreadScheduledExecutor(ColdReads.daemon("tiergate-tier"));
    this.evictor = new Evictor(ctx, scheduler, this::uploadUnderPressure);
    this.upload = new UploadPass(ctx, evictor::underPressure);
  }

  /**
   * Connects the engine to the configured cloud: opens the store, publishes the key ring
   * (wrapped keys only) when the cloud's copy differs, installs the cold reader and, with
   * {@code background}, schedules the periodic passes.
   *
   * @throws IllegalStateException when the store cannot be opened (the message never carries
   *     the connection string)
   */
  public static CloudTierService start(BlockEngine engine, KeyRing keys, CloudConfig config,
      Path dataDir, boolean background) {
    return start(engine, keys, config, dataDir, background, List.of());
  }

  /**
   * {@link #start(BlockEngine, KeyRing, CloudConfig, Path, boolean)} with extra HTTP pipeline
   * policies in the Azure client (ignored for a directory): how tests inject throttling,
   * timeouts and damaged requests into a whole gateway, and count requests. Not a setting.
   */
  static CloudTierService start(BlockEngine engine, KeyRing keys, CloudConfig config,
      Path dataDir, boolean background, List<HttpPipelinePolicy> azurePolicies) {
    ObjectStore store = CloudStores.open(config, dataDir, Duration.ofSeconds(60), azurePolicies);
    CloudTierService s = new CloudTierService(engine, keys, config, dataDir, store);
    if (!background) {
      s.metadata.ensureCloudReady();
    }
    engine.setColdReader(s);
    engine.setSpaceReclaimer(s);
    s.probe.start();
    if (background) {
      long period = Math.max(1000, Math.min(30_000, config.tierAfter().toMillis() / 4));
      s.scheduler.scheduleWithFixedDelay(s::periodicPass, 0, period, TimeUnit.MILLISECONDS);
    }
    log.info("cloud tier on {}: tier after {}, bandwidth {}, {} upload(s) at once",
        config.describe(dataDir), config.tierAfter(),
        config.bandwidthBytesPerSecond() > 0 ? config.bandwidthBytesPerSecond() + " B/s"
            : "unlimited", config.uploadParallelism());
    return s;
  }

  /** Reports to {@code m} from now on (null: nowhere), the current cloud state first. */
  public void setMeters(TierMeters m) {
    ctx.meters = m == null ? TierMeters.NONE : m;
    ctx.meters.cloudState(health.state(), health.lastError());
  }

  private final CloudHealth.Listener healthToMeters = new CloudHealth.Listener() {
    @Override
    public void stateChanged(CloudHealth.State now, String detail) {
      ctx.meters.cloudState(now, detail);
    }

    @Override
    public void alert(boolean raised, String detail) {
      ctx.meters.cloudAlert(raised, detail);
    }
  };

  /** What the tier sees of its store now: state, last error, last answer, alert. */
  public CloudHealth health() {
    return health;
  }

  /** {@link #dirtyBytes}, at most five seconds old (for gauges and dashboards). */
  public long dirtyBytesCached() {
    long now = System.currentTimeMillis();
    if (dirtyCache < 0 || now - dirtyCacheAt > 5000) {
      dirtyCache = chunks.dirtyBytes();
      dirtyCacheAt = now;
    }
    return dirtyCache;
  }

  /** Bytes of the pack objects this appliance keeps in the cloud (dead ones included). */
  public long cloudBytes() {
    return chunks.packs().stream().mapToLong(p -> p.record().objectSize()).sum();
  }

  /** The counters behind the cloud meters. */
  public TierCounters counters() {
    return counters;
  }

  /** The settings in force. */
  public CloudConfig config() {
    return ctx.config;
  }

  /** Where the tier stores, for people (never a secret). */
  public String describe() {
    return ctx.config.describe(dataDir);
  }

  /** The cloud tier (for tests and tools). */
  public CloudTier tier() {
    return ctx.tier;
  }

  /** The current upload limit in bytes per second; zero or less is unlimited. */
  public long bandwidthLimit() {
    return ctx.limiter.bytesPerSecond();
  }

  /** Changes the upload limit at once (zero or less: unlimited). */
  public void setBandwidthLimit(long bytesPerSecond) {
    ctx.limiter.setBytesPerSecond(bytesPerSecond);
    log.info("upload bandwidth limit set to {}",
        bytesPerSecond > 0 ? bytesPerSecond + " B/s" : "unlimited");
  }

  /** Overrides the capacity the watermarks apply to (0: the engine's limit or the disk's). */
  public void setCacheCapacity(long bytes) {
    evictor.setCacheCapacity(bytes);
  }

  /**
   * Packs the GC has work for: past the dead-bytes threshold (to repack) or dead and not yet
   * deleted (waiting out {@code gc-grace}). As of the last periodic pass or GC.
   */
  public long gcPendingPacks() {
    return counters.gcPendingPacks.get();
  }

  /**
   * Recounts {@link #gcPendingPacks} from the pack records and their counters (no chunk scan,
   * no cloud request) and reports it to the meters.
   */
  long refreshGcPending() {
    return gc.refreshGcPending();
  }

  /** Stored bytes of dirty chunks: what is waiting for the cloud (a counter read). */
  public long dirtyBytes() {
    return chunks.dirtyBytes();
  }

  // ------------------------------------------------------------------ passes


  private void periodicPass() {
    if (ctx.closed) {
      return;
    }
    try {
      refreshGcPending(); // first: current even while the cloud is away
    } catch (RuntimeException e) {
      log.debug("cannot count the packs waiting for GC: {}", e.getMessage());
    }
    try {
      if (!metadata.ensureCloudReady()) {
        return; // another appliance's container: nothing to do there
      }
      upload.run(System.currentTimeMillis() - ctx.config.tierAfter().toMillis(), false);
      evictToWatermark();
      gc(false);
      publishCatalogueIfChanged();
    } catch (RuntimeException e) {
      ctx.noteError("background pass", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Uploads every dirty chunk of every tiered volume now and waits until they are durable in
   * the cloud and marked clean ({@code Start-CloudSync -Wait}).
   *
   * @return chunks uploaded by this call
   * @throws IllegalStateException when an upload failed (chunks not uploaded stay dirty)
   */
  public long sync() throws InterruptedException {
    long before = counters.chunksUploaded();
    boolean ready;
    try {
      ready = metadata.ensureCloudReady();
    } catch (RuntimeException e) {
      ctx.noteError("connecting to the cloud", e);
      throw new IllegalStateException("the cloud is not reachable: " + counters.lastError, e);
    }
    if (!ready) {
      throw new IllegalStateException(ctx.foreignMessage());
    }
    upload.run(Long.MAX_VALUE, true);
    publishCatalogueIfChanged();
    return counters.chunksUploaded() - before;
  }

  // ------------------------------------------------------------------ eviction

  /** Evicts clean chunks when above the high watermark, down to the low one. */
  public long evictToWatermark() {
    return evictor.evictToWatermark();
  }

  /**
   * Evicts every clean chunk ({@code Clear-Cache}); dirty chunks stay. Evicts nothing while the
   * store is another appliance's (this appliance's packs are not there).
   */
  public long evictAll() {
    return evictor.evictAll();
  }

  /**
   * Back-pressure: evicts clean chunks (down to the low watermark when it can); when that is
   * not enough, asks for an upload of every dirty chunk and keeps evicting what it makes clean,
   * for at most {@value #BACK_PRESSURE_MILLIS} ms. With the cloud unreachable nothing becomes
   * clean, and the write then fails with SPACE ALLOCATION FAILED: dirty chunks are never
   * dropped.
   */
  @Override
  public long reclaim(long bytes) {
    return evictor.reclaim(bytes);
  }

  /** An upload of every dirty chunk, when local space is short (on the scheduler thread). */
  private void uploadUnderPressure() {
    try {
      if (!metadata.ensureCloudReady()) {
        return;
      }
      upload.run(Long.MAX_VALUE, true);
    } catch (RuntimeException e) {
      ctx.noteError("upload under local pressure", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ------------------------------------------------------------------ cold reads

  /**
   * {@inheritDoc}
   *
   * <p>Answers within {@code cold-read-timeout}: the fetch runs on the cold-read pool and the
   * reader waits for it that long at most, then fails with NOT READY and marks the store away
   * (the fetch goes on, and brings the chunk home if the store answers after all). While the
   * store is marked away the read fails at once.
   */
  @Override
  public byte[] read(byte[] chunkId, long packNumber, int recordIndex, long offset, int length) {
    return cold.read(chunkId, packNumber, recordIndex, offset, length);
  }

  /** {@inheritDoc} Hints are planned into runs fetched with one ranged GET each. */
  @Override
  public void prefetch(byte[] chunkId, long packNumber, int recordIndex, long offset,
      int length) {
    cold.prefetch(chunkId, packNumber, recordIndex, offset, length);
  }

  // ------------------------------------------------------------------ GC

  /**
   * One GC pass: packs without live bytes become dead, packs past 20% dead bytes are
   * repacked, and dead packs older than the grace period (all dead packs with {@code
   * ignoreGrace}) are deleted from the cloud and forgotten.
   *
   * @return packs deleted
   */
  public int gc(boolean ignoreGrace) throws InterruptedException {
    return gc.gc(ignoreGrace);
  }

  // ------------------------------------------------------------------ metadata

  /**
   * Publishes the key ring again (after a passphrase change: the cloud copy must stop opening
   * with the old passphrase). Does nothing in a store the tier has not attached to (the next
   * attach publishes the current ring).
   *
   * @throws IllegalStateException when the store holds another appliance's ring
   */
  public void republishKeyRing() {
    metadata.republishKeyRing();
  }

  /** Publishes the encrypted volume catalogue when the volumes changed since the last time. */
  public void publishCatalogueIfChanged() {
    metadata.publishCatalogueIfChanged();
  }

  /**
   * Checks the cloud: lists the metadata prefix and reads the key ring back.
   *
   * @return round-trip time of the check
   * @throws ObjectStoreException when the cloud cannot be reached or refuses the credentials
   */
  public Duration testConnection() {
    long t0 = System.nanoTime();
    ctx.objects.list("keys/");
    return Duration.ofNanos(System.nanoTime() - t0);
  }

  // ------------------------------------------------------------------ credentials

  /**
   * What a candidate store holds of this appliance.
   *
   * @param packsKnown packs this appliance keeps in the cloud (dead ones included)
   * @param packsMissing how many of them the candidate does not hold
   * @param keyRing whose key ring the candidate holds
   */
  public record StoreMatch(int packsKnown, int packsMissing, KeyRingMatch keyRing) {
    /** Whether switching strands no chunk and overwrites no other appliance's keys. */
    public boolean acceptable() {
      return packsMissing == 0 && keyRing.writable();
    }
  }

  /**
   * Compares a candidate store with this appliance's cloud data, reading only: every pack
   * this appliance has uploaded must be there (pack names are random, so they identify the
   * store), and a key ring there must be this appliance's.
   *
   * @throws ObjectStoreException when the candidate cannot be listed or read
   */
  public StoreMatch match(ObjectStore candidate) {
    return storeSwitch.match(candidate);
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
  public StoreMatch replaceStore(CloudConfig next, ObjectStore store, Duration drain,
      Runnable beforeSwitch) throws InterruptedException {
    return storeSwitch.replaceStore(next, store, drain, beforeSwitch);
  }

  /** Stops the passes (an upload in flight is abandoned, never half-committed). */
  @Override
  public void close() {
    ctx.closed = true;
    engine.setColdReader(null);
    engine.setSpaceReclaimer(null);
    scheduler.shutdownNow();
    probe.close();
    cold.close();
    try {
      upload.close();
      passLock.lock();
      try {
        ctx.tier.flushJournal();
      } catch (RuntimeException e) {
        ctx.noteError("journal flush", e);
      } finally {
        passLock.unlock();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    ctx.objects.close();
  }
}
