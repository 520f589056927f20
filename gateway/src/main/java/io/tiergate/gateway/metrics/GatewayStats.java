package io.tiergate.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tiergate.gateway.engine.ReadObserver;
import io.tiergate.gateway.engine.SpaceUsage;
import io.tiergate.gateway.tier.CloudHealth;
import io.tiergate.iscsi.LoginFailure;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Every meter of the gateway, in one place, with names and help text as constants (the
 * README's metrics table lists the same). Meters are created once: appliance meters in the
 * constructor, a volume's when it is exported ({@link #volume}); the I/O path only touches the
 * {@link VolumeMeters} it was handed.
 *
 * <p>Appliance gauges read a {@link SpaceUsage} snapshot refreshed at most once a second, so a
 * scrape costs a handful of counter reads, not a block-map scan. Cloud meters are registered
 * now and stay at zero (ratios read NaN) until the cloud tier feeds them through the methods
 * below.
 */
public final class GatewayStats {
  /** Tag naming the volume of a per-volume meter. */
  public static final String TAG_VOLUME = "volume";

  public static final String VOLUME_READ = "tiergate.volume.read";
  static final String VOLUME_READ_HELP = "Read commands on a volume: count is read IOPS, sum is latency";
  public static final String VOLUME_WRITE = "tiergate.volume.write";
  static final String VOLUME_WRITE_HELP =
      "Write commands (write, write same, compare and write) on a volume: count and latency";
  public static final String VOLUME_READ_BYTES = "tiergate.volume.read.bytes";
  static final String VOLUME_READ_BYTES_HELP = "Bytes read from a volume";
  public static final String VOLUME_WRITE_BYTES = "tiergate.volume.write.bytes";
  static final String VOLUME_WRITE_BYTES_HELP = "Bytes written to a volume";
  public static final String VOLUME_ERRORS = "tiergate.volume.errors";
  static final String VOLUME_ERRORS_HELP = "Commands on a volume that failed with an error";
  /** Tag naming the kind of a snapshot: {@code local} (the only kind so far). */
  public static final String TAG_TYPE = "type";
  public static final String SNAPSHOTS = "tiergate.snapshots";
  static final String SNAPSHOTS_HELP = "Snapshots of a volume, by type";

  public static final String CACHE_HIT_PERCENT = "tiergate.cache.hit.percent";
  static final String CACHE_HIT_PERCENT_HELP =
      "Percent of chunks read that were served locally, without a cloud fetch (NaN before any "
          + "chunk read)";
  public static final String CACHE_DIRTY_PERCENT = "tiergate.cache.dirty.percent";
  static final String CACHE_DIRTY_PERCENT_HELP =
      "Percent of locally stored bytes not yet in the cloud (NaN while no cloud tier is configured)";
  public static final String CACHE_USED_PERCENT = "tiergate.cache.used.percent";
  static final String CACHE_USED_PERCENT_HELP = "Percent of the local capacity in use";
  public static final String DEDUP_RATIO = "tiergate.dedup.ratio";
  static final String DEDUP_RATIO_HELP = "Logical bytes over unique bytes, appliance-wide";
  public static final String COMPRESSION_RATIO = "tiergate.compression.ratio";
  static final String COMPRESSION_RATIO_HELP =
      "Unique bytes over the stored bytes of every distinct chunk, local or in the cloud";
  public static final String LOGICAL_BYTES = "tiergate.logical.bytes";
  static final String LOGICAL_BYTES_HELP = "Bytes mapped by all volumes (before dedup)";
  public static final String STORED_BYTES = "tiergate.stored.bytes";
  static final String STORED_BYTES_HELP = "Chunk bytes stored locally (after dedup and compression)";
  public static final String PROVISIONED_BYTES = "tiergate.provisioned.bytes";
  static final String PROVISIONED_BYTES_HELP = "Sum of the sizes of all volumes";
  public static final String ISCSI_SESSIONS = "tiergate.iscsi.sessions";
  static final String ISCSI_SESSIONS_HELP = "Normal iSCSI sessions logged in";
  public static final String ISCSI_LOGIN_FAILURES = "tiergate.iscsi.login.failures";
  static final String ISCSI_LOGIN_FAILURES_HELP =
      "iSCSI logins refused, by reason: authentication, not_allowed, unknown_target, other";
  public static final String TAG_REASON = "reason";
  public static final String ADMIN_LOGIN_FAILURES = "tiergate.admin.login.failures";
  static final String ADMIN_LOGIN_FAILURES_HELP =
      "Failed admin logins and requests with wrong credentials";

  public static final String CLOUD_UPLOAD_BYTES = "tiergate.cloud.upload.bytes";
  static final String CLOUD_UPLOAD_BYTES_HELP = "Bytes uploaded to the cloud tier";
  public static final String CLOUD_DOWNLOAD_BYTES = "tiergate.cloud.download.bytes";
  static final String CLOUD_DOWNLOAD_BYTES_HELP = "Bytes downloaded from the cloud tier";
  public static final String CLOUD_REQUEST = "tiergate.cloud.request";
  static final String CLOUD_REQUEST_HELP = "Requests to the cloud object store: count and latency";
  public static final String CLOUD_ERRORS = "tiergate.cloud.errors";
  static final String CLOUD_ERRORS_HELP = "Cloud requests that failed (after retries)";
  public static final String CLOUD_INTEGRITY_FAILURES = "tiergate.cloud.integrity.failures";
  static final String CLOUD_INTEGRITY_FAILURES_HELP =
      "Chunks read back from the cloud that failed authentication or the chunk-ID check";
  public static final String CLOUD_UPLOAD_QUEUE_BYTES = "tiergate.cloud.upload.queue.bytes";
  static final String CLOUD_UPLOAD_QUEUE_BYTES_HELP = "Dirty bytes waiting to be uploaded";
  public static final String GC_RECLAIMED_BYTES = "tiergate.gc.reclaimed.bytes";
  static final String GC_RECLAIMED_BYTES_HELP = "Cloud bytes reclaimed by pack garbage collection";
  public static final String GC_PENDING_PACKS = "tiergate.gc.pending.packs";
  static final String GC_PENDING_PACKS_HELP =
      "Packs the GC has work for: past the dead-bytes threshold, or dead and in their grace period";

  public static final String CLOUD_STATE = "tiergate.cloud.state";
  static final String CLOUD_STATE_HELP =
      "1 for the cloud tier's state now (tag state: connecting, connected, disconnected, "
          + "foreign-container), 0 for the others";
  public static final String TAG_STATE = "state";
  public static final String CLOUD_ALERT = "tiergate.cloud.alert";
  static final String CLOUD_ALERT_HELP =
      "1 while the cloud has been away for longer than cloud-alert-after, else 0";
  public static final String CLOUD_SINCE_ANSWER = "tiergate.cloud.since.answer.seconds";
  static final String CLOUD_SINCE_ANSWER_HELP =
      "Seconds since the cloud store last answered a request (NaN before its first answer)";

  /** Meter names with their help text, for documentation checks. */
  public static final Map<String, String> HELP = Map.ofEntries(
      Map.entry(VOLUME_READ, VOLUME_READ_HELP), Map.entry(VOLUME_WRITE, VOLUME_WRITE_HELP),
      Map.entry(VOLUME_READ_BYTES, VOLUME_READ_BYTES_HELP),
      Map.entry(VOLUME_WRITE_BYTES, VOLUME_WRITE_BYTES_HELP),
      Map.entry(VOLUME_ERRORS, VOLUME_ERRORS_HELP),
      Map.entry(SNAPSHOTS, SNAPSHOTS_HELP),
      Map.entry(CACHE_HIT_PERCENT, CACHE_HIT_PERCENT_HELP),
      Map.entry(CACHE_DIRTY_PERCENT, CACHE_DIRTY_PERCENT_HELP),
      Map.entry(CACHE_USED_PERCENT, CACHE_USED_PERCENT_HELP),
      Map.entry(DEDUP_RATIO, DEDUP_RATIO_HELP), Map.entry(COMPRESSION_RATIO, COMPRESSION_RATIO_HELP),
      Map.entry(LOGICAL_BYTES, LOGICAL_BYTES_HELP), Map.entry(STORED_BYTES, STORED_BYTES_HELP),
      Map.entry(PROVISIONED_BYTES, PROVISIONED_BYTES_HELP),
      Map.entry(ISCSI_SESSIONS, ISCSI_SESSIONS_HELP),
      Map.entry(ISCSI_LOGIN_FAILURES, ISCSI_LOGIN_FAILURES_HELP),
      Map.entry(ADMIN_LOGIN_FAILURES, ADMIN_LOGIN_FAILURES_HELP),
      Map.entry(CLOUD_UPLOAD_BYTES, CLOUD_UPLOAD_BYTES_HELP),
      Map.entry(CLOUD_DOWNLOAD_BYTES, CLOUD_DOWNLOAD_BYTES_HELP),
      Map.entry(CLOUD_REQUEST, CLOUD_REQUEST_HELP), Map.entry(CLOUD_ERRORS, CLOUD_ERRORS_HELP),
      Map.entry(CLOUD_UPLOAD_QUEUE_BYTES, CLOUD_UPLOAD_QUEUE_BYTES_HELP),
      Map.entry(CLOUD_INTEGRITY_FAILURES, CLOUD_INTEGRITY_FAILURES_HELP),
      Map.entry(GC_RECLAIMED_BYTES, GC_RECLAIMED_BYTES_HELP),
      Map.entry(GC_PENDING_PACKS, GC_PENDING_PACKS_HELP),
      Map.entry(CLOUD_STATE, CLOUD_STATE_HELP), Map.entry(CLOUD_ALERT, CLOUD_ALERT_HELP),
      Map.entry(CLOUD_SINCE_ANSWER, CLOUD_SINCE_ANSWER_HELP));

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ApplianceGauges source;
  private final Map<String, VolumeMeters> volumes = new ConcurrentHashMap<>();
  private final AtomicReference<Snapshot> snapshot = new AtomicReference<>();
  private final LongAdder cacheHits = new LongAdder();
  private final LongAdder cacheMisses = new LongAdder();
  private final LongAdder readBytes = new LongAdder();
  private final LongAdder writeBytes = new LongAdder();
  private final LongAdder readOps = new LongAdder();
  private final LongAdder writeOps = new LongAdder();
  private final Counter loginFailures;
  private final Map<LoginFailure.Reason, Counter> iscsiLoginFailures =
      new EnumMap<>(LoginFailure.Reason.class);
  private final Counter cloudUploadBytes;
  private final Counter cloudIntegrityFailures;
  private final Counter cloudDownloadBytes;
  private final Timer cloudRequest;
  private final Counter cloudErrors;
  private final AtomicLong uploadQueueBytes = new AtomicLong();
  private final AtomicLong gcPendingPacks = new AtomicLong();
  private final Counter gcReclaimedBytes;
  private volatile LongSupplier dirtyBytes;
  private final AtomicReference<CloudHealth.State> cloudState = new AtomicReference<>();
  private final AtomicLong cloudAlert = new AtomicLong();
  private volatile LongSupplier cloudLastAnswer;

  private record Snapshot(long atNanos, SpaceUsage usage, double usedPercent) {}

  /** Creates the registry and the appliance meters. */
  public GatewayStats(ApplianceGauges source) {
    this.source = source;
    Gauge.builder(CACHE_HIT_PERCENT, this, GatewayStats::cacheHitPercent)
        .description(CACHE_HIT_PERCENT_HELP).register(registry);
    Gauge.builder(CACHE_DIRTY_PERCENT, this, GatewayStats::dirtyPercent)
        .description(CACHE_DIRTY_PERCENT_HELP).register(registry);
    Gauge.builder(CACHE_USED_PERCENT, this, s -> s.snapshot().usedPercent())
        .description(CACHE_USED_PERCENT_HELP).register(registry);
    Gauge.builder(DEDUP_RATIO, this, s -> s.snapshot().usage().dedupRatio())
        .description(DEDUP_RATIO_HELP).register(registry);
    Gauge.builder(COMPRESSION_RATIO, this, s -> s.snapshot().usage().compressionRatio())
        .description(COMPRESSION_RATIO_HELP).register(registry);
    Gauge.builder(LOGICAL_BYTES, this, s -> s.snapshot().usage().logicalBytes())
        .description(LOGICAL_BYTES_HELP).baseUnit("bytes").register(registry);
    Gauge.builder(STORED_BYTES, this, s -> s.snapshot().usage().storedBytes())
        .description(STORED_BYTES_HELP).baseUnit("bytes").register(registry);
    Gauge.builder(PROVISIONED_BYTES, this, s -> s.snapshot().usage().provisionedBytes())
        .description(PROVISIONED_BYTES_HELP).baseUnit("bytes").register(registry);
    Gauge.builder(ISCSI_SESSIONS, source, ApplianceGauges::sessions)
        .description(ISCSI_SESSIONS_HELP).register(registry);
    for (LoginFailure.Reason r : LoginFailure.Reason.values()) {
      iscsiLoginFailures.put(r, Counter.builder(ISCSI_LOGIN_FAILURES)
          .description(ISCSI_LOGIN_FAILURES_HELP)
          .tag(TAG_REASON, r.name().toLowerCase(Locale.ROOT)).register(registry));
    }
    loginFailures = Counter.builder(ADMIN_LOGIN_FAILURES).description(ADMIN_LOGIN_FAILURES_HELP)
        .register(registry);
    cloudUploadBytes = Counter.builder(CLOUD_UPLOAD_BYTES).description(CLOUD_UPLOAD_BYTES_HELP)
        .register(registry);
    cloudDownloadBytes = Counter.builder(CLOUD_DOWNLOAD_BYTES)
        .description(CLOUD_DOWNLOAD_BYTES_HELP).register(registry);
    cloudRequest = Timer.builder(CLOUD_REQUEST).description(CLOUD_REQUEST_HELP)
        .register(registry);
    cloudErrors = Counter.builder(CLOUD_ERRORS).description(CLOUD_ERRORS_HELP).register(registry);
    cloudIntegrityFailures = Counter.builder(CLOUD_INTEGRITY_FAILURES)
        .description(CLOUD_INTEGRITY_FAILURES_HELP).register(registry);
    Gauge.builder(CLOUD_UPLOAD_QUEUE_BYTES, uploadQueueBytes, AtomicLong::get)
        .description(CLOUD_UPLOAD_QUEUE_BYTES_HELP).baseUnit("bytes").register(registry);
    gcReclaimedBytes = Counter.builder(GC_RECLAIMED_BYTES).description(GC_RECLAIMED_BYTES_HELP)
        .register(registry);
    Gauge.builder(GC_PENDING_PACKS, gcPendingPacks, AtomicLong::get)
        .description(GC_PENDING_PACKS_HELP).register(registry);
    for (CloudHealth.State st : CloudHealth.State.values()) {
      Gauge.builder(CLOUD_STATE, cloudState, r -> r.get() == st ? 1 : 0)
          .description(CLOUD_STATE_HELP).tag(TAG_STATE, st.label()).register(registry);
    }
    Gauge.builder(CLOUD_ALERT, cloudAlert, AtomicLong::get).description(CLOUD_ALERT_HELP)
        .register(registry);
    Gauge.builder(CLOUD_SINCE_ANSWER, this, GatewayStats::secondsSinceCloudAnswer)
        .description(CLOUD_SINCE_ANSWER_HELP).baseUnit("seconds").register(registry);
  }

  /**
   * The meters of a volume, created on first call (when the volume is exported) and handed to
   * its {@link MeteredBlockDevice}; later calls return the same instance.
   */
  public VolumeMeters volume(String name) {
    return volumes.computeIfAbsent(name, n -> new VolumeMeters(this, n));
  }

  /** Removes a deleted volume's meters. */
  public void removeVolume(String name) {
    VolumeMeters m = volumes.remove(name);
    if (m != null) {
      for (Meter meter : m.meters()) {
        registry.remove(meter);
      }
    }
  }

  /** Counts a failed admin login or a request with wrong credentials. */
  public void loginFailure() {
    loginFailures.increment();
  }

  /** Counts an iSCSI login the target refused. */
  public void iscsiLoginFailure(LoginFailure.Reason reason) {
    iscsiLoginFailures.get(reason).increment();
  }

  /** iSCSI logins refused so far, for every reason. */
  public long iscsiLoginFailures() {
    long n = 0;
    for (Counter c : iscsiLoginFailures.values()) {
      n += (long) c.count();
    }
    return n;
  }

  /**
   * Where the block engine reports, per chunk, whether a read found it locally or had to fetch
   * it from the cloud: the source of the cache hit percent (install it with {@code
   * BlockEngine.setReadObserver}).
   */
  public ReadObserver readObserver() {
    return chunkReads;
  }

  private final ReadObserver chunkReads = new ReadObserver() {
    @Override
    public void localChunks(int n) {
      cacheHits.add(n);
    }

    @Override
    public void coldChunks(int n) {
      cacheMisses.add(n);
    }
  };

  /** Counts bytes uploaded to the cloud. */
  public void cloudUploaded(long bytes) {
    cloudUploadBytes.increment(bytes);
  }

  /** Counts bytes downloaded from the cloud. */
  public void cloudDownloaded(long bytes) {
    cloudDownloadBytes.increment(bytes);
  }

  /** Records one cloud request's latency, and whether it failed. */
  public void cloudRequest(long nanos, boolean failed) {
    cloudRequest.record(nanos, TimeUnit.NANOSECONDS);
    if (failed) {
      cloudErrors.increment();
    }
  }

  /** Counts a chunk from the cloud refused by authentication or its chunk-ID check. */
  public void cloudIntegrityFailure() {
    cloudIntegrityFailures.increment();
  }

  /** Chunks from the cloud refused so far. */
  public long cloudIntegrityFailures() {
    return (long) cloudIntegrityFailures.count();
  }

  /** Sets the dirty bytes waiting for upload. */
  public void uploadQueue(long bytes) {
    uploadQueueBytes.set(bytes);
  }

  /** Sets the packs waiting for GC, and counts reclaimed bytes. */
  public void gcProgress(long pendingPacks, long reclaimedBytes) {
    gcPendingPacks.set(pendingPacks);
    gcReclaimedBytes.increment(reclaimedBytes);
  }

  /** Sets the cloud tier's state (the state gauges). */
  public void cloudState(CloudHealth.State state) {
    cloudState.set(state);
  }

  /** The cloud tier's state as last reported, or null before any report. */
  public CloudHealth.State cloudStateNow() {
    return cloudState.get();
  }

  /** Raises or clears the cloud alert gauge. */
  public void cloudAlert(boolean raised) {
    cloudAlert.set(raised ? 1 : 0);
  }

  /** Where the seconds-since-answer gauge reads when the cloud last answered (epoch ms, 0 never). */
  public void cloudLastAnswerSource(LongSupplier epochMillis) {
    this.cloudLastAnswer = epochMillis;
  }

  private double secondsSinceCloudAnswer() {
    LongSupplier s = cloudLastAnswer;
    long at = s == null ? 0 : s.getAsLong();
    return at == 0 ? Double.NaN : (System.currentTimeMillis() - at) / 1000.0;
  }

  /** Makes the dirty-percent gauge read from the cloud tier's count of dirty bytes. */
  public void dirtyBytesSource(LongSupplier bytes) {
    this.dirtyBytes = bytes;
  }

  /** Failed admin logins so far. */
  public long loginFailures() {
    return (long) loginFailures.count();
  }

  /** Bytes read by all volumes since start. */
  public long totalReadBytes() {
    return readBytes.sum();
  }

  /** Bytes written by all volumes since start. */
  public long totalWriteBytes() {
    return writeBytes.sum();
  }

  /** Read commands on all volumes since start. */
  public long totalReadOps() {
    return readOps.sum();
  }

  /** Write commands on all volumes since start. */
  public long totalWriteOps() {
    return writeOps.sum();
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    refresh(true);
    return registry.scrape();
  }

  /** The content type of {@link #scrape()}. */
  public static String contentType() {
    return "text/plain; version=0.0.4; charset=utf-8";
  }

  /** Percent of chunk reads that were served locally, NaN before any chunk was read. */
  public double cacheHitPercent() {
    long hits = cacheHits.sum();
    long total = hits + cacheMisses.sum();
    return total == 0 ? Double.NaN : 100.0 * hits / total;
  }

  /** Percent of stored bytes not yet in the cloud, NaN without a cloud tier. */
  public double dirtyPercent() {
    LongSupplier d = dirtyBytes;
    if (d == null) {
      return Double.NaN;
    }
    long stored = snapshot().usage().storedBytes();
    return stored == 0 ? 0 : 100.0 * d.getAsLong() / stored;
  }

  /** The registry, for tests. */
  PrometheusMeterRegistry registry() {
    return registry;
  }

  private Snapshot snapshot() {
    return refresh(false);
  }

  private Snapshot refresh(boolean force) {
    Snapshot s = snapshot.get();
    long now = System.nanoTime();
    if (s == null || force || now - s.atNanos() > 1_000_000_000L) {
      s = new Snapshot(now, source.usage(), source.usedPercent());
      snapshot.set(s);
    }
    return s;
  }

  /** The meters of one volume; the hot path calls only these methods. */
  public static final class VolumeMeters {
    private final GatewayStats stats;
    private final Timer read;
    private final Timer write;
    private final Counter readBytes;
    private final Counter writeBytes;
    private final Counter errors;
    private final Gauge snapshots;

    VolumeMeters(GatewayStats stats, String volume) {
      this.stats = stats;
      PrometheusMeterRegistry r = stats.registry;
      read = Timer.builder(VOLUME_READ).description(VOLUME_READ_HELP).tag(TAG_VOLUME, volume)
          .register(r);
      write = Timer.builder(VOLUME_WRITE).description(VOLUME_WRITE_HELP)
          .tag(TAG_VOLUME, volume).register(r);
      readBytes = Counter.builder(VOLUME_READ_BYTES).description(VOLUME_READ_BYTES_HELP)
          .baseUnit("bytes").tag(TAG_VOLUME, volume).register(r);
      writeBytes = Counter.builder(VOLUME_WRITE_BYTES).description(VOLUME_WRITE_BYTES_HELP)
          .baseUnit("bytes").tag(TAG_VOLUME, volume).register(r);
      errors = Counter.builder(VOLUME_ERRORS).description(VOLUME_ERRORS_HELP)
          .tag(TAG_VOLUME, volume).register(r);
      // Read at scrape time from the engine's in-memory snapshot records: no RocksDB read.
      snapshots = Gauge.builder(SNAPSHOTS, stats.source, s -> s.snapshots(volume))
          .description(SNAPSHOTS_HELP).tag(TAG_VOLUME, volume).tag(TAG_TYPE, "local")
          .register(r);
    }

    /** Records a completed read. */
    public void read(long bytes, long nanos) {
      read.record(nanos, TimeUnit.NANOSECONDS);
      readBytes.increment(bytes);
      stats.readBytes.add(bytes);
      stats.readOps.increment();
    }

    /** Records a completed write. */
    public void write(long bytes, long nanos) {
      write.record(nanos, TimeUnit.NANOSECONDS);
      writeBytes.increment(bytes);
      stats.writeBytes.add(bytes);
      stats.writeOps.increment();
    }

    /** Counts a failed command. */
    public void error() {
      errors.increment();
    }

    List<Meter> meters() {
      return List.of(read, write, readBytes, writeBytes, errors, snapshots);
    }
  }
}
