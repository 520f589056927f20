package io.tiergate.gateway.tier;

import com.azure.core.http.policy.HttpPipelinePolicy;
import io.tiergate.crypto.KeyRing;
import io.tiergate.gateway.engine.AdmittedChunk;
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
 * pressure, reads evicted chunks back, and collects dead packs. This class is the facade the
 * gateway and the admin API use; each job is a part of its own, with its design notes there:
 *
 * <ul>
 *   <li>{@link UploadPass}: dirty chunks to packs to the cloud; clean only once durable.
 *   <li>{@link Evictor}: the watermarks, Clear-Cache, and back-pressure on writes.
 *   <li>{@link ColdReads}: evicted chunks back, single-flight, read-ahead in runs.
 *   <li>{@link PackGc}: repacking and deleting dead packs after {@code gc-grace}.
 *   <li>{@link CloudMetadataPublisher}: whose container it is, key ring and catalogue.
 *   <li>{@link StoreSwitch}: matching a candidate store and switching to it.
 *   <li>{@link CloudProbe}: keeps {@link CloudHealth} current without traffic.
 * </ul>
 *
 * <p>They share one {@link TierContext}: the store in force, the settings, the health, the
 * counters and the pass lock.
 *
 * <p>Health ({@link CloudHealth}): every attempt of every store call reports whether the store
 * answered, so an outage shows at its first failed attempt and a recovery at the first answer.
 * A cold read waits at most {@code cold-read-timeout} (default 10 s, under the initiators' 30 s
 * command timeout) and then fails with NOT READY, which initiators retry; while the store is
 * marked away, cold reads fail at once instead of each waiting. A chunk that fails to
 * authenticate or to match its chunk ID is never served: the command fails with UNRECOVERED
 * READ ERROR (MEDIUM ERROR sense), and the failure is logged and counted.
 *
 * <p>Concurrency: passes (upload, eviction's urgent upload, GC, a store switch) run one at a
 * time under the pass lock, on the scheduler's thread or on the caller's (a sync); uploads fan
 * out to the upload pool. A cold read's fetch runs on the cold-read pool while the reading
 * thread waits for it, bounded. The periodic pass runs on the scheduler thread: recount
 * pending GC, attach, upload, evict, GC, publish the catalogue.
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
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(ColdReads.daemon("tiergate-tier"));
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
  public AdmittedChunk read(byte[] chunkId, long packNumber, int recordIndex, long offset,
      int length) {
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
