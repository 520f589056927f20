package io.tiergate.gateway.tier;

import com.azure.core.http.policy.HttpPipelinePolicy;
import io.tiergate.crypto.ChunkId;
import io.tiergate.crypto.CryptoException;
import io.tiergate.crypto.KeyRing;
import io.tiergate.gateway.engine.BlockEngine;
import io.tiergate.gateway.engine.ChunkTierStore;
import io.tiergate.gateway.engine.ColdReader;
import io.tiergate.gateway.engine.PackRecord;
import io.tiergate.gateway.engine.SpaceReclaimer;
import io.tiergate.gateway.engine.VolumeInfo;
import io.tiergate.iscsi.spi.BlockDeviceException;
import io.tiergate.tiering.CloudTier;
import io.tiergate.tiering.PackRef;
import io.tiergate.tiering.UploadedPack;
import io.tiergate.tiering.meta.CatalogueCodec;
import io.tiergate.tiering.pack.PackEntry;
import io.tiergate.tiering.store.BandwidthLimiter;
import io.tiergate.tiering.store.ObjectStore;
import io.tiergate.tiering.store.ObjectStoreException;
import io.tiergate.tiering.store.RetryingObjectStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
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
  static final long PACK_MAX = 32L << 20;
  static final long PACK_MIN = 16L << 20;
  static final double REPACK_DEAD_SHARE = 0.20;
  /** Longest a write waits for room (uploads to finish) before it fails. */
  static final long BACK_PRESSURE_MILLIS = 10_000;
  /** How often the store is probed while it is away. */
  static final long PROBE_AWAY_MILLIS = 2_000;
  /** A store that has not answered anything for this long is probed. */
  static final long PROBE_IDLE_MILLIS = 5_000;
  /**
   * What an Azure probe reads: a name that is never written, so the answer is a 404, billed as
   * a read (about a tenth of a listing's price; a probe every 5 s costs cents a month).
   */
  static final String PROBE_OBJECT = "meta/probe";

  private final BlockEngine engine;
  private final ChunkTierStore chunks;
  private final KeyRing keys;
  private volatile CloudConfig config;
  private final Path dataDir;
  // Replaced together, under the pass lock, by replaceStore (new credentials).
  private volatile ObjectStore objects;
  private volatile CloudTier tier;
  // The same store with the short retry budget of cold reads (same delegate as objects).
  private volatile CloudTier coldTier;
  private final CloudHealth health;
  private volatile long lastProbeMillis;
  private final ScheduledExecutorService prober;
  private final ThreadPoolExecutor coldPool;
  private final BandwidthLimiter limiter;
  private final TierCounters counters = new TierCounters();
  private final ReentrantLock passLock = new ReentrantLock();
  private final ConcurrentHashMap<ByteBuffer, CompletableFuture<byte[]>> inflight =
      new ConcurrentHashMap<>();
  private final ExecutorService uploaders;
  private final ThreadPoolExecutor readAhead;
  /** Read-ahead hints not yet planned into runs, and the one thread that plans them. */
  private final ConcurrentLinkedQueue<Hint> hints =
      new ConcurrentLinkedQueue<>();
  private final AtomicBoolean planning =
      new AtomicBoolean();
  private final ExecutorService readAheadPlanner;
  private final ScheduledExecutorService scheduler;
  private volatile long capacityOverride;
  private volatile TierMeters meters = TierMeters.NONE;
  private volatile long dirtyCache = -1;
  private volatile long dirtyCacheAt;
  private volatile List<VolumeInfo> publishedCatalogue;
  private volatile boolean closed;
  private volatile boolean cloudReady;

  private CloudTierService(BlockEngine engine, KeyRing keys, CloudConfig config, Path dataDir,
      ObjectStore objects) {
    this.engine = engine;
    this.chunks = engine.tierStore();
    this.keys = keys;
    this.config = config;
    this.dataDir = dataDir;
    this.health = new CloudHealth(config.alertAfter(), System::currentTimeMillis);
    this.health.setListener(healthToMeters);
    this.objects = observed(objects);
    this.limiter = new BandwidthLimiter(config.bandwidthBytesPerSecond());
    this.tier = new CloudTier(this.objects, keys, limiter, 8);
    this.coldTier = new CloudTier(coldView(this.objects, config), keys, limiter, 8);
    this.prober = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tiergate-cloud-probe");
      t.setDaemon(true);
      return t;
    });
    // Fetches of cold reads; the readers wait for them, at most cold-read-timeout.
    this.coldPool = new ThreadPoolExecutor(16, 16, 30, TimeUnit.SECONDS,
        new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "tiergate-cold-read");
          t.setDaemon(true);
          return t;
        });
    this.coldPool.allowCoreThreadTimeOut(true);
    this.uploaders = Executors.newFixedThreadPool(config.uploadParallelism(), r -> {
      Thread t = new Thread(r, "tiergate-upload");
      t.setDaemon(true);
      return t;
    });
    // Read-ahead is best effort: a full queue drops the hint, the reader fetches itself.
    this.readAhead = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(256), r -> {
          Thread t = new Thread(r, "tiergate-read-ahead");
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.DiscardPolicy());
    this.readAhead.allowCoreThreadTimeOut(true);
    this.readAheadPlanner = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "tiergate-read-ahead-plan");
      t.setDaemon(true);
      return t;
    });
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "tiergate-tier");
      t.setDaemon(true);
      return t;
    });
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
      s.ensureCloudReady();
    }
    engine.setColdReader(s);
    engine.setSpaceReclaimer(s);
    s.prober.scheduleWithFixedDelay(s::probeTick, 1000, 1000, TimeUnit.MILLISECONDS);
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
    meters = m == null ? TierMeters.NONE : m;
    meters.cloudState(health.state(), health.lastError());
  }

  private final CloudHealth.Listener healthToMeters = new CloudHealth.Listener() {
    @Override
    public void stateChanged(CloudHealth.State now, String detail) {
      meters.cloudState(now, detail);
    }

    @Override
    public void alert(boolean raised, String detail) {
      meters.cloudAlert(raised, detail);
    }
  };

  /** What the tier sees of its store now: state, last error, last answer, alert. */
  public CloudHealth health() {
    return health;
  }

  /** Every attempt on {@code store} reports to the health; a store that does not retry tries once. */
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
    return config;
  }

  /** Where the tier stores, for people (never a secret). */
  public String describe() {
    return config.describe(dataDir);
  }

  /** The cloud tier (for tests and tools). */
  public CloudTier tier() {
    return tier;
  }

  /** The current upload limit in bytes per second; zero or less is unlimited. */
  public long bandwidthLimit() {
    return limiter.bytesPerSecond();
  }

  /** Changes the upload limit at once (zero or less: unlimited). */
  public void setBandwidthLimit(long bytesPerSecond) {
    limiter.setBytesPerSecond(bytesPerSecond);
    log.info("upload bandwidth limit set to {}",
        bytesPerSecond > 0 ? bytesPerSecond + " B/s" : "unlimited");
  }

  /** Overrides the capacity the watermarks apply to (0: the engine's limit or the disk's). */
  public void setCacheCapacity(long bytes) {
    capacityOverride = bytes;
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
    long pending = 0;
    for (ChunkTierStore.PackInfo p : chunks.packs()) {
      if (p.record().dead() || p.liveBytes() == 0 || pastDeadThreshold(p)) {
        pending++;
      }
    }
    counters.gcPendingPacks.set(pending);
    meters.gc(pending, 0);
    return pending;
  }

  private static boolean pastDeadThreshold(ChunkTierStore.PackInfo p) {
    long total = p.liveBytes() + p.deadBytes();
    return total > 0 && p.deadBytes() > REPACK_DEAD_SHARE * total;
  }

  /** Stored bytes of dirty chunks: what is waiting for the cloud (a counter read). */
  public long dirtyBytes() {
    return chunks.dirtyBytes();
  }

  // ------------------------------------------------------------------ passes

  /**
   * Once per process, when the cloud first answers: the container exists and holds the
   * current key ring. Until then a pass does nothing else (the gateway serves from local).
   */
  private boolean ensureCloudReady() {
    if (cloudReady) {
      return true;
    }
    CloudStores.ensureContainer(config);
    CloudTier t = tier;
    byte[] theirs = t.metadata().latestKeyRing().orElse(null);
    if (KeyRingMatch.of(theirs, keys) == KeyRingMatch.FOREIGN) {
      refuseForeign();
      return false;
    }
    publishKeyRing(t, theirs);
    health.attached();
    cloudReady = true;
    return true;
  }

  /** The container is another appliance's: say so, once per discovery, and touch nothing. */
  private void refuseForeign() {
    boolean first = health.state() != CloudHealth.State.FOREIGN_CONTAINER;
    String why = describe() + " belongs to another appliance (it holds another key ring)";
    health.foreign(why + ": nothing is uploaded or evicted; point the cloud tier elsewhere");
    counters.lastError = health.lastError();
    if (first) {
      log.error("cloud tier NOT attached: {}. This appliance never writes to it, so that "
          + "appliance's packs, keys and catalogue stay intact. Give --cloud another container or "
          + "directory (or use Set-CloudCredential); recovering that appliance's volumes needs "
          + "its passphrase and the disaster-recovery procedure. Local volumes are served "
          + "meanwhile.", why);
    }
  }

  /** Whether the tier may not touch its store (another appliance's container). */
  private boolean foreign() {
    return health.state() == CloudHealth.State.FOREIGN_CONTAINER;
  }

  private String foreignMessage() {
    return "the cloud tier is not attached: " + health.lastError();
  }

  /** One tick of the probe thread: the alert clock, and a probe when one is due. */
  private void probeTick() {
    if (closed) {
      return;
    }
    health.checkAlert();
    long now = System.currentTimeMillis();
    CloudHealth.State s = health.state();
    boolean due = switch (s) {
      case DISCONNECTED, CONNECTING -> now - lastProbeMillis >= PROBE_AWAY_MILLIS;
      case CONNECTED -> now - Math.max(lastProbeMillis, health.lastAnswerMillis())
          >= PROBE_IDLE_MILLIS;
      case FOREIGN_CONTAINER -> false; // the periodic pass checks the container again
    };
    if (!due) {
      return;
    }
    Future<?> running = probe;
    if (running != null && !running.isDone()) {
      return; // a probe the store has not answered yet: it reports when it ends
    }
    lastProbeMillis = now;
    ObjectStore store = objects;
    boolean azure = config.azure();
    try {
      // On the cold-read pool, so that a store that holds requests without answering never
      // holds up this thread (and the alert clock on it).
      probe = coldPool.submit(() -> {
        try {
          // One attempt: the health hears how it ended (a 404 is an answer). A directory is
          // listed instead: a vanished one fails to list, while reading a name in it answers.
          RetryingObjectStore once = ((RetryingObjectStore) store).withBudget(Duration.ZERO);
          if (azure) {
            once.get(PROBE_OBJECT);
          } else {
            once.list("keys/");
          }
        } catch (RuntimeException e) {
          log.debug("cloud probe failed: {}", e.getMessage());
        }
      });
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  private volatile Future<?> probe;

  private void periodicPass() {
    if (closed) {
      return;
    }
    try {
      refreshGcPending(); // first: current even while the cloud is away
    } catch (RuntimeException e) {
      log.debug("cannot count the packs waiting for GC: {}", e.getMessage());
    }
    try {
      if (!ensureCloudReady()) {
        return; // another appliance's container: nothing to do there
      }
      runPass(System.currentTimeMillis() - config.tierAfter().toMillis(), false);
      evictToWatermark();
      gc(false);
      publishCatalogueIfChanged();
    } catch (RuntimeException e) {
      noteError("background pass", e);
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
      ready = ensureCloudReady();
    } catch (RuntimeException e) {
      noteError("connecting to the cloud", e);
      throw new IllegalStateException("the cloud is not reachable: " + counters.lastError, e);
    }
    if (!ready) {
      throw new IllegalStateException(foreignMessage());
    }
    runPass(Long.MAX_VALUE, true);
    publishCatalogueIfChanged();
    return counters.chunksUploaded() - before;
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

  private void runPass(long writtenBefore, boolean all) throws InterruptedException {
    if (!cloudReady) {
      throw new IllegalStateException(foreign() ? foreignMessage()
          : "the cloud tier has not reached its store yet");
    }
    passLock.lockInterruptibly();
    List<PackJob> jobs = new ArrayList<>();
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    try {
      CloudTier t = tier;
      int parallel = config.uploadParallelism();
      Semaphore slots = new Semaphore(parallel);
      // Chunks of packs sealed or uploading in this pass: still dirty until their commit, so a
      // selection returns them again and must skip them.
      Set<ByteBuffer> onTheWay = new HashSet<>();
      boolean more = true;
      while (more && !closed && failure.get() == null) {
        // Packs that have ended are committed (or failed, which ends the pass) before this
        // selection reads: their chunks are no longer dirty, so nothing needs to skip them.
        List<PackJob> ended = jobs.stream().filter(j -> j.ended).toList();
        for (PackJob j : ended) {
          for (byte[] id : j.ids) {
            onTheWay.remove(ByteBuffer.wrap(id));
          }
        }
        jobs.removeAll(ended);
        // Chunks on the way are skipped by the selection itself, so it reads no bytes of them.
        List<ChunkTierStore.DirtyChunk> fresh = chunks.dirtyChunks(writtenBefore, PACK_MAX,
            id -> onTheWay.contains(ByteBuffer.wrap(id)));
        long freshBytes = 0;
        for (ChunkTierStore.DirtyChunk c : fresh) {
          freshBytes += c.stored().length;
        }
        more = freshBytes >= PACK_MAX; // cut short: more may be waiting
        if (fresh.isEmpty()) {
          break;
        }
        if (!all && freshBytes < PACK_MIN && !underPressure()) {
          break; // wait until a pack's worth has gone cold, unless space is short
        }
        List<List<ChunkTierStore.DirtyChunk>> packs = cut(fresh);
        fresh = null;
        if (more && packs.size() > 1 && storedBytes(packs.get(packs.size() - 1)) < PACK_MIN) {
          packs.remove(packs.size() - 1); // selected again next round, with its followers
        }
        while (!packs.isEmpty() && !closed && failure.get() == null) {
          List<ChunkTierStore.DirtyChunk> p = packs.remove(0);
          List<CloudTier.Record> records = new ArrayList<>(p.size());
          List<byte[]> ids = new ArrayList<>(p.size());
          long bytes = 0;
          for (ChunkTierStore.DirtyChunk c : p) {
            records.add(new CloudTier.Record(ChunkId.of(c.id()), c.stored()));
            ids.add(c.id());
            onTheWay.add(ByteBuffer.wrap(c.id()));
            bytes += c.stored().length;
          }
          p = null;
          // Sealing here overlaps the uploads in flight; the plaintext is dropped once sealed.
          CloudTier.SealedPack sealed = t.seal(records);
          records = null;
          PackJob job = new PackJob(ids, bytes);
          meters.uploadQueue(counters.uploadQueueBytes.addAndGet(bytes));
          if (!acquireSlot(slots)) {
            meters.uploadQueue(counters.uploadQueueBytes.addAndGet(-bytes));
            break; // closing
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
                meters.uploadQueue(counters.uploadQueueBytes.addAndGet(-job.storedBytes));
                job.ended = true;
                slots.release();
              }
              return null;
            });
            jobs.add(job);
          } catch (RejectedExecutionException e) {
            meters.uploadQueue(counters.uploadQueueBytes.addAndGet(-bytes));
            slots.release();
            failure.compareAndSet(null, new IllegalStateException("the uploaders are stopped"));
          }
        }
      }
      awaitAll(jobs);
      jobs.clear();
      RuntimeException f = failure.get();
      if (f != null) {
        noteError("upload", f);
        throw new IllegalStateException("upload to the cloud failed; chunks stay dirty and "
            + "are retried: " + f.getMessage(), f);
      }
      t.flushJournal();
    } finally {
      // Interrupted or failed: still let the uploads in flight end (and commit what is
      // durable) before the next pass may select their chunks again.
      if (!jobs.isEmpty() && awaitAll(jobs)) {
        Thread.currentThread().interrupt();
      }
      passLock.unlock();
    }
  }

  private static long storedBytes(List<ChunkTierStore.DirtyChunk> pack) {
    long bytes = 0;
    for (ChunkTierStore.DirtyChunk c : pack) {
      bytes += c.stored().length;
    }
    return bytes;
  }

  /** Waits for a free uploader; false when the service closed meanwhile. */
  private boolean acquireSlot(Semaphore slots) throws InterruptedException {
    while (!slots.tryAcquire(200, TimeUnit.MILLISECONDS)) {
      if (closed && uploaders.isShutdown()) {
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
          if (closed && uploaders.isTerminated()) {
            return interrupted;
          }
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    return interrupted;
  }

  private static List<List<ChunkTierStore.DirtyChunk>> cut(List<ChunkTierStore.DirtyChunk> d) {
    List<List<ChunkTierStore.DirtyChunk>> packs = new ArrayList<>();
    List<ChunkTierStore.DirtyChunk> cur = new ArrayList<>();
    long bytes = 0;
    for (ChunkTierStore.DirtyChunk c : d) {
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
      counters.uploadErrors.increment();
      meters.request(System.nanoTime() - t0, true);
      throw e;
    }
    timed(t0);
    List<ChunkTierStore.Placement> placements = new ArrayList<>(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      PackEntry e = up.entries().get(i);
      placements.add(new ChunkTierStore.Placement(ids.get(i), e.recordIndex(), e.offset(),
          e.length()));
    }
    // Only now, with the pack durable, may its chunks become clean.
    chunks.commitPack(packRecord(up), placements, -1);
    counters.bytesUp.add(up.size());
    meters.uploaded(up.size());
    counters.packsUploaded.increment();
    counters.chunksUploaded.add(ids.size());
    counters.lastUploadMillis.set(System.currentTimeMillis());
    counters.lastError = null; // the cloud answers again: what was waiting is moving
  }

  private static PackRecord packRecord(UploadedPack up) {
    PackRef r = up.ref();
    return new PackRecord(r.packId(), r.keyId(), r.salt(), up.size(), false, 0);
  }

  /** The cloud tier's reference to the pack a local pack record describes. */
  static PackRef ref(PackRecord p) {
    return new PackRef(p.packId(), p.keyId(), p.salt());
  }

  private void timed(long t0) {
    long nanos = System.nanoTime() - t0;
    counters.requests.increment();
    counters.requestNanos.add(nanos);
    meters.request(nanos, false);
  }

  // ------------------------------------------------------------------ eviction

  /** The capacity the watermarks apply to. */
  long cacheCapacity() {
    long o = capacityOverride;
    if (o > 0) {
      return o;
    }
    long c = chunks.capacityBytes();
    if (c != Long.MAX_VALUE) {
      return c;
    }
    try {
      return Files.getFileStore(dataDir).getTotalSpace();
    } catch (IOException e) {
      return Long.MAX_VALUE;
    }
  }

  private boolean underPressure() {
    return chunks.localBytes() > config.highWatermark() * cacheCapacity();
  }

  /** Evicts clean chunks when above the high watermark, down to the low one. */
  public long evictToWatermark() {
    if (foreign()) {
      return 0;
    }
    long cap = cacheCapacity();
    long local = chunks.localBytes();
    if (cap == Long.MAX_VALUE || local <= config.highWatermark() * cap) {
      return 0;
    }
    long freed = chunks.evict(local - (long) (config.lowWatermark() * cap));
    counters.evictedBytes.add(freed);
    if (freed > 0) {
      log.info("evicted {} bytes of clean chunks (local {} of {} capacity)", freed, local, cap);
    }
    return freed;
  }

  /**
   * Evicts every clean chunk ({@code Clear-Cache}); dirty chunks stay. Evicts nothing while the
   * store is another appliance's (this appliance's packs are not there).
   */
  public long evictAll() {
    if (foreign()) {
      log.warn("cache not cleared: {}", foreignMessage());
      return 0; // nothing local is in this store
    }
    long freed = chunks.evict(Long.MAX_VALUE);
    counters.evictedBytes.add(freed);
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
  @Override
  public long reclaim(long bytes) {
    if (foreign()) {
      return 0; // nothing local is in this store: writes get SPACE ALLOCATION FAILED
    }
    long cap = cacheCapacity();
    long toLow = chunks.localBytes() - (long) (config.lowWatermark() * cap);
    long freed = chunks.evict(Math.max(bytes, toLow));
    counters.evictedBytes.add(freed);
    if (freed >= bytes || closed) {
      return freed;
    }
    log.warn("local capacity reached with {} bytes waiting for the cloud: writes wait for "
        + "uploads", chunks.dirtyBytes());
    long deadline = System.currentTimeMillis() + BACK_PRESSURE_MILLIS;
    while (freed < bytes && System.currentTimeMillis() < deadline && !closed) {
      // Asked again each round: a pass already running when the first request came may have
      // scanned before this write's predecessors were dirty.
      urgentUpload();
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      long f = chunks.evict(bytes - freed);
      counters.evictedBytes.add(f);
      freed += f;
    }
    if (freed < bytes) {
      log.error("local capacity full of chunks not yet in the cloud ({}); writes fail with "
          + "SPACE ALLOCATION FAILED until uploads resume", counters.lastError == null
          ? "uploads too slow" : counters.lastError);
    }
    return freed;
  }

  private volatile Future<?> urgent;

  private synchronized void urgentUpload() {
    Future<?> u = urgent;
    if (u != null && !u.isDone()) {
      return;
    }
    urgent = scheduler.submit(() -> {
      try {
        if (!ensureCloudReady()) {
          return;
        }
        runPass(Long.MAX_VALUE, true);
      } catch (RuntimeException e) {
        noteError("upload under local pressure", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
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
    long deadline = System.nanoTime() + config.coldReadTimeout().toNanos();
    refuseWhenAway();
    ByteBuffer key = ByteBuffer.wrap(chunkId.clone());
    CompletableFuture<byte[]> mine = new CompletableFuture<>();
    CompletableFuture<byte[]> running = inflight.putIfAbsent(key, mine);
    if (running != null) {
      return await(running, deadline);
    }
    try {
      // A read-ahead or another reader may have brought it home since the caller looked.
      byte[] local = chunks.localBytes(chunkId);
      if (local != null) {
        mine.complete(local);
        inflight.remove(key, mine);
        return local;
      }
      coldPool.execute(() -> {
        try {
          byte[] stored = fetchVerified(chunkId, packNumber, recordIndex, offset, length);
          chunks.reinsert(chunkId, stored);
          mine.complete(stored);
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
    if (foreign()) {
      throw new BlockDeviceException(BlockDeviceException.Kind.NOT_READY, foreignMessage());
    }
    if (health.disconnected()) {
      counters.readErrors.increment();
      throw new BlockDeviceException(BlockDeviceException.Kind.NOT_READY,
          "the cloud is away (" + health.lastError() + "): an evicted chunk cannot be read now");
    }
  }

  /** The fetch's result, waiting until {@code deadline} (System.nanoTime) at most. */
  private byte[] await(CompletableFuture<byte[]> fetch, long deadline) {
    try {
      return fetch.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r
          : new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      counters.readErrors.increment();
      String why = "a cold read got no answer within " + config.coldReadTimeout().toMillis()
          + " ms";
      health.disconnected(why);
      counters.lastError = why;
      throw new BlockDeviceException(BlockDeviceException.Kind.NOT_READY,
          why + ": the cloud is away, retry later");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BlockDeviceException(BlockDeviceException.Kind.NOT_READY,
          "interrupted while reading an evicted chunk");
    }
  }

  /** Records of at most this many chunks, or bytes, are read with one ranged GET. */
  static final int RUN_MAX_RECORDS = 64;
  static final long RUN_MAX_BYTES = 4L << 20;

  /** A read-ahead hint: an evicted chunk and where its record lies. */
  record Hint(byte[] id, long pack, int recordIndex, long offset, int length) {}

  /**
   * Queues a read-ahead hint. The engine hints a whole window at once, so the planner waits a
   * millisecond, then takes every queued hint and fetches runs of back-to-back records with one
   * ranged GET each.
   */
  @Override
  public void prefetch(byte[] chunkId, long packNumber, int recordIndex, long offset,
      int length) {
    if (closed || foreign() || health.disconnected()
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
    Map<Hint, CompletableFuture<byte[]>> claimed = new LinkedHashMap<>();
    try {
      for (Hint h : run) {
        if (closed) {
          break;
        }
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        if (inflight.putIfAbsent(ByteBuffer.wrap(h.id()), f) != null) {
          continue;
        }
        claimed.put(h, f);
        byte[] local = chunks.localBytes(h.id());
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
  private void fetchRun(List<Hint> sub, Map<Hint, CompletableFuture<byte[]>> claimed) {
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
      CompletableFuture<byte[]> f = claimed.get(h);
      try {
        byte[] s;
        if (stored == null) {
          s = fetchVerified(h.id(), h.pack(), h.recordIndex(), h.offset(), h.length());
        } else {
          s = stored.get(i);
          try {
            chunks.verify(h.id(), s);
          } catch (BlockDeviceException e) {
            integrityFailure("does not match its chunk ID");
            throw e;
          }
          counters.coldReads.increment();
          meters.coldRead();
        }
        chunks.reinsert(h.id(), s);
        f.complete(s);
      } catch (RuntimeException e) {
        f.completeExceptionally(e);
      }
    }
  }

  /** The opened records of {@code sub}, with one ranged GET (counted as one request). */
  private List<byte[]> fetchRunOnce(List<Hint> sub) {
    PackRecord p = chunks.pack(sub.get(0).pack());
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
      stored = coldTier.fetchRun(ref(p), entries);
    } catch (ObjectStoreException e) {
      counters.readErrors.increment();
      meters.request(System.nanoTime() - t0, true);
      noteError("cold read", e);
      throw e;
    }
    timed(t0);
    counters.bytesDown.add(bytes);
    meters.downloaded(bytes);
    return stored;
  }

  private byte[] fetchVerified(byte[] chunkId, long packNumber, int recordIndex, long offset,
      int length) {
    PackRecord p = chunks.pack(packNumber);
    if (p == null) {
      counters.readErrors.increment();
      throw new BlockDeviceException(BlockDeviceException.Kind.UNRECOVERED_READ_ERROR,
          "the pack of an evicted chunk is unknown");
    }
    PackRef ref = ref(p);
    long t0 = System.nanoTime();
    byte[] stored;
    try {
      stored = coldTier.fetch(ref, new PackEntry(ChunkId.of(chunkId), recordIndex, offset, length));
    } catch (CryptoException e) {
      integrityFailure("does not authenticate");
      throw new BlockDeviceException(BlockDeviceException.Kind.UNRECOVERED_READ_ERROR,
          "a chunk read back from the cloud does not authenticate", e);
    } catch (ObjectStoreException e) {
      counters.readErrors.increment();
      meters.request(System.nanoTime() - t0, true);
      noteError("cold read", e);
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
    timed(t0);
    counters.bytesDown.add(length);
    meters.downloaded(length);
    try {
      chunks.verify(chunkId, stored);
    } catch (BlockDeviceException e) {
      integrityFailure("does not match its chunk ID");
      throw e;
    }
    counters.coldReads.increment();
    meters.coldRead();
    return stored;
  }

  private void integrityFailure(String what) {
    counters.integrityFailures.increment();
    meters.integrityFailure();
    counters.readErrors.increment();
    counters.lastError = "a chunk read back from the cloud " + what;
    log.error("cold read refused: a chunk read back from the cloud {}; the read fails with "
        + "MEDIUM ERROR and no data is returned", what);
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
    if (!cloudReady) {
      return 0; // deletes only in a store this tier attached to
    }
    passLock.lockInterruptibly();
    try {
      long now = System.currentTimeMillis();
      List<ChunkTierStore.PackInfo> deletable = new ArrayList<>();
      // What is left for a later GC once this one is done: dead packs in their grace period,
      // and packs past the threshold that are not dead yet. Counted as we go: no second scan.
      long pending = 0;
      for (ChunkTierStore.PackInfo p : chunks.packs()) {
        if (!p.record().dead() && p.liveBytes() == 0) {
          chunks.markDeadIfEmpty(p.number(), now);
          pending++; // dead from now on, deleted after the grace period
          continue;
        }
        if (p.record().dead()) {
          if (ignoreGrace || now - p.record().deadSinceMillis() >= config.gcGrace().toMillis()) {
            deletable.add(p);
          } else {
            pending++;
          }
          continue;
        }
        if (pastDeadThreshold(p)) {
          repack(p);
          pending++; // dead now and in its grace period (or, if a chunk stayed, still due)
          chunks.markDeadIfEmpty(p.number(), System.currentTimeMillis());
        }
      }
      counters.gcPendingPacks.set(pending + deletable.size());
      meters.gc(pending + deletable.size(), 0);
      if (deletable.isEmpty()) {
        return 0;
      }
      List<PackRef> refs = new ArrayList<>();
      List<Long> numbers = new ArrayList<>();
      for (ChunkTierStore.PackInfo p : deletable) {
        refs.add(ref(p.record()));
        numbers.add(p.number());
      }
      tier.deletePacks(refs);
      chunks.forgetPacks(numbers);
      counters.packsDeleted.add(numbers.size());
      counters.gcPendingPacks.set(pending);
      meters.gc(pending, deletable.stream().mapToLong(p -> p.record().objectSize()).sum());
      log.info("GC deleted {} dead pack(s) from the cloud", numbers.size());
      return numbers.size();
    } finally {
      passLock.unlock();
    }
  }

  private void repack(ChunkTierStore.PackInfo p) throws InterruptedException {
    List<ChunkTierStore.PackedChunk> live = chunks.chunksIn(p.number());
    if (live.isEmpty()) {
      return;
    }
    List<CloudTier.Record> records = new ArrayList<>(live.size());
    for (ChunkTierStore.PackedChunk c : live) {
      byte[] stored = c.local() ? chunks.localBytes(c.id()) : null;
      if (stored == null) {
        stored = fetchVerified(c.id(), p.number(), c.recordIndex(), c.offset(),
            c.sealedLength());
      }
      records.add(new CloudTier.Record(ChunkId.of(c.id()), stored));
    }
    long t0 = System.nanoTime();
    UploadedPack up = tier.uploadPack(records);
    timed(t0);
    List<ChunkTierStore.Placement> placements = new ArrayList<>(live.size());
    for (int i = 0; i < live.size(); i++) {
      PackEntry e = up.entries().get(i);
      placements.add(new ChunkTierStore.Placement(live.get(i).id(), e.recordIndex(), e.offset(),
          e.length()));
    }
    chunks.commitPack(packRecord(up), placements, p.number());
    tier.flushJournal();
    counters.bytesUp.add(up.size());
    counters.packsRepacked.increment();
    log.info("repacked a pack with {}% dead bytes ({} live chunks)",
        p.deadBytes() * 100 / (p.liveBytes() + p.deadBytes()), live.size());
  }

  // ------------------------------------------------------------------ metadata

  /**
   * Publishes this appliance's key ring when the store's newest ({@code theirs}) is not it
   * already; only older generations of this appliance's own ring are replaced.
   *
   * @throws IllegalStateException for another appliance's store (nothing is written)
   */
  private void publishKeyRing(CloudTier t, byte[] theirs) {
    if (KeyRingMatch.of(theirs, keys) == KeyRingMatch.FOREIGN) {
      refuseForeign();
      throw new IllegalStateException(foreignMessage());
    }
    byte[] mine = keys.serialize();
    if (!Arrays.equals(mine, theirs)) {
      t.metadata().publishKeyRing(mine, keys::isFormOf);
      log.info("published the wrapped key slots to the cloud");
    }
  }

  /**
   * Publishes the key ring again (after a passphrase change: the cloud copy must stop opening
   * with the old passphrase). Does nothing in a store the tier has not attached to (the next
   * attach publishes the current ring).
   *
   * @throws IllegalStateException when the store holds another appliance's ring
   */
  public void republishKeyRing() {
    if (!cloudReady) {
      return;
    }
    CloudTier t = tier;
    publishKeyRing(t, t.metadata().latestKeyRing().orElse(null));
  }

  /** Publishes the encrypted volume catalogue when the volumes changed since the last time. */
  public void publishCatalogueIfChanged() {
    if (!cloudReady) {
      return;
    }
    List<VolumeInfo> vols = engine.listVolumes();
    if (vols.equals(publishedCatalogue)) {
      return;
    }
    tier.metadata().publish(keys.metadataCipher(), "catalogue", catalogue(vols));
    publishedCatalogue = vols;
  }

  static byte[] catalogue(List<VolumeInfo> vols) {
    List<CatalogueCodec.Entry> entries = new ArrayList<>(vols.size());
    for (VolumeInfo v : vols) {
      entries.add(new CatalogueCodec.Entry(v.id(), v.name(), v.sizeBytes(), v.chunkSize(),
          v.pinned(), v.uuid(), v.createdMillis()));
    }
    return CatalogueCodec.encode(entries);
  }

  /**
   * Checks the cloud: lists the metadata prefix and reads the key ring back.
   *
   * @return round-trip time of the check
   * @throws ObjectStoreException when the cloud cannot be reached or refuses the credentials
   */
  public Duration testConnection() {
    long t0 = System.nanoTime();
    objects.list("keys/");
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
    List<ChunkTierStore.PackInfo> mine = chunks.packs();
    Set<String> there = new HashSet<>();
    if (!mine.isEmpty()) {
      for (ObjectStore.ObjectInfo o : candidate.list("packs/")) {
        there.add(o.name());
      }
    }
    int missing = 0;
    for (ChunkTierStore.PackInfo p : mine) {
      if (!there.contains(ref(p.record()).objectName())) {
        missing++;
      }
    }
    return new StoreMatch(mine.size(), missing, KeyRingMatch.of(candidate, keys));
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
    ObjectStore old;
    StoreMatch m;
    passLock.lockInterruptibly();
    try {
      m = match(store);
      if (!m.acceptable()) {
        return m;
      }
      beforeSwitch.run();
      old = objects;
      objects = observed(store);
      tier = new CloudTier(objects, keys, limiter, 8);
      coldTier = new CloudTier(coldView(objects, next), keys, limiter, 8);
      config = next;
      cloudReady = false;
      publishedCatalogue = null;
      counters.lastError = null;
      health.reset();
    } finally {
      passLock.unlock();
    }
    long deadline = System.nanoTime() + drain.toNanos();
    while (!inflight.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    old.close();
    log.info("cloud tier switched to {}", next.describe(dataDir));
    return m;
  }

  private void noteError(String what, RuntimeException e) {
    String msg = what + " failed: " + (e instanceof ObjectStoreException o ? o.code() + " "
        : "") + e.getClass().getSimpleName();
    counters.lastError = msg;
    log.warn("cloud tier: {} ({}); local data is safe and will be retried", msg, e.getMessage());
  }

  /** Stops the passes (an upload in flight is abandoned, never half-committed). */
  @Override
  public void close() {
    closed = true;
    engine.setColdReader(null);
    engine.setSpaceReclaimer(null);
    scheduler.shutdownNow();
    prober.shutdownNow();
    coldPool.shutdownNow();
    readAheadPlanner.shutdownNow();
    readAhead.shutdownNow();
    // An interrupted upload leaves its chunks dirty (they are committed only after a
    // confirmed put), so stopping at once is safe; the next start uploads them again.
    uploaders.shutdownNow();
    try {
      uploaders.awaitTermination(30, TimeUnit.SECONDS);
      passLock.lock();
      try {
        tier.flushJournal();
      } catch (RuntimeException e) {
        noteError("journal flush", e);
      } finally {
        passLock.unlock();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    objects.close();
  }
}
