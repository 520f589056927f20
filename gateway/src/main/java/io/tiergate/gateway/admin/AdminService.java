package io.tiergate.gateway.admin;

import io.tiergate.gateway.ByteSizes;
import io.tiergate.gateway.admin.EventLog.Severity;
import io.tiergate.gateway.engine.BlockEngine;
import io.tiergate.gateway.engine.SnapshotInfo;
import io.tiergate.gateway.engine.SpaceUsage;
import io.tiergate.gateway.engine.Volume;
import io.tiergate.gateway.engine.VolumeInfo;
import io.tiergate.gateway.metrics.ApplianceGauges;
import io.tiergate.gateway.metrics.GatewayStats;
import io.tiergate.gateway.metrics.MeteredBlockDevice;
import io.tiergate.gateway.tier.CloudTierService;
import io.tiergate.gateway.tier.TierCounters;
import io.tiergate.gateway.tier.CloudHealth;
import io.tiergate.gateway.tier.TierMeters;
import io.tiergate.iscsi.LoginFailure;
import io.tiergate.iscsi.TargetConfig;
import io.tiergate.iscsi.auth.ChapCredentials;
import io.tiergate.iscsi.spi.BlockDevice;
import java.io.IOException;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The administration service of a running gateway: owns the meters, the event log, access
 * control, per-volume iSCSI access settings and the admin HTTPS server, and decides what the
 * iSCSI portal exports (every volume, metered, with its allow list and CHAP).
 *
 * <p>Lifecycle, driven by the gateway: {@link #create} before the portal starts (so that {@link
 * #targets()} can shape it), {@link #start()} once it serves, {@link #close()} before it
 * stops. Files, all in {@code <data-dir>/admin/} (mode 0700): {@code credentials.json}, {@code
 * local-credential} (present while running), {@code endpoint} (the admin URL, or from
 * {@code off} on why there is none; present while running), {@code tls.crt}/{@code tls.key}, {@code volume-access.json}, {@code events.jsonl}.
 *
 * <p>Target changes are applied to the running portal one target at a time: a volume created
 * is exported at once, a volume deleted stops being served (its sessions closed), and an ACL or
 * CHAP change closes only that volume's sessions that the new settings no longer admit.
 * Sessions on other volumes are never disturbed.
 */
public final class AdminService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminService.class);
  /**
   * What {@code admin/endpoint} holds, instead of the admin URL, while the gateway runs without
   * an admin server: disabled, or unable to listen.
   */
  static final String NO_API_OFF = "off (--admin-listen off)\n";
  static final String NO_API_FAILED = "off (the admin server could not listen; see the log)\n";
  static final int EVENT_CAPACITY = 1000;
  static final String VOLUME_ACCESS_FILE = "volume-access.json";
  static final long USAGE_TTL_MILLIS = 15_000;
  /** Refused iSCSI logins of one kind on one target make at most one event this often. */
  static final long LOGIN_EVENT_INTERVAL_MILLIS = 60_000;

  private static final SecureRandom RANDOM = new SecureRandom();

  private final ApplianceHost host;
  private final Path adminDir;
  private final GatewayStats stats;
  private final EventLog events;
  private final AccessControl access;
  private final VolumeAccess volumeAccess;
  private final ThroughputHistory history;
  private final Map<String, BlockDevice> exported = new ConcurrentHashMap<>();
  private final Instant started = Instant.now();
  /** Also runs event-log writes for failures reported on network threads. */
  private volatile ScheduledExecutorService sampler;
  private AdminServer server;
  private final CapacityAlarm capacityAlarm;
  private final Map<String, CachedUsage> usageCache = new ConcurrentHashMap<>();
  private final Map<String, Long> lastLoginEvent = new ConcurrentHashMap<>();
  private final BandwidthScheduler bandwidth;
  /** One change of cloud credentials at a time. */
  final Object credentialLock = new Object();
  /**
   * One volume change (create, change, delete) at a time: a volume and its access settings
   * change together, so no caller can see, remove or overwrite another's half-made volume.
   */
  final Object volumeLock = new Object();
  private final CloudSync cloudSync = new CloudSync();

  private record CachedUsage(SpaceUsage usage, long atMillis) {}

  private AdminService(ApplianceHost host) {
    this(host, Clock.systemDefaultZone());
  }

  AdminService(ApplianceHost host, Clock clock) {
    this.host = host;
    this.adminDir = SecureFiles.ownerOnlyDir(host.dataDir().resolve("admin"));
    this.stats = new GatewayStats(new Gauges());
    this.events = new EventLog(adminDir.resolve("events.jsonl"), EVENT_CAPACITY);
    this.access = new AccessControl(adminDir);
    this.volumeAccess = new VolumeAccess(adminDir.resolve(VOLUME_ACCESS_FILE));
    Set<String> names = new HashSet<>();
    for (VolumeInfo v : host.engine().listVolumes()) {
      names.add(v.name());
    }
    volumeAccess.retain(names);
    for (String n : volumeAccess.adoptUnrecorded(names)) {
      events.record(Severity.WARNING, "security", "gateway", "volume " + n + " had no access "
          + "settings from an older version and stays open to every initiator, as it was; set "
          + "an allow list and CHAP with Set-Volume -Name " + n);
    }
    for (String n : names) {
      if (volumeAccess.get(n).locked()) {
        events.record(Severity.ERROR, "security", "gateway", "volume " + n + " has no readable "
            + "access settings: no initiator may log in until they are set again (Set-Volume "
            + "-Name " + n + " with -Acl and -ChapUser/-ChapSecret or -NoChap)");
      }
    }
    this.history = new ThroughputHistory(stats);
    this.capacityAlarm = new CapacityAlarm(events);
    CloudTierService cloud = host.cloud();
    if (cloud != null) {
      stats.cloudLastAnswerSource(() -> cloud.health().lastAnswerMillis());
      cloud.setMeters(new CloudMeters(stats, events));
      stats.dirtyBytesSource(cloud::dirtyBytesCached);
    }
    this.bandwidth = new BandwidthScheduler(adminDir, clock, host::cloud,
        cloud == null ? 0 : cloud.config().bandwidthBytesPerSecond());
  }

  /** Feeds the cloud tier's activity into the gateway's meters. */
  private record CloudMeters(GatewayStats stats, EventLog events) implements TierMeters {
    @Override
    public void cloudState(CloudHealth.State state, String detail) {
      CloudHealth.State was = stats.cloudStateNow();
      stats.cloudState(state);
      if (was == null || was == state) {
        return; // the first report is the state at start, not a change
      }
      switch (state) {
        case DISCONNECTED -> events.record(Severity.WARNING, "cloud", "gateway",
            "cloud tier disconnected: " + detail);
        case FOREIGN_CONTAINER -> events.record(Severity.ERROR, "cloud", "gateway",
            "cloud tier not attached: " + detail);
        case CONNECTED -> {
          if (was == CloudHealth.State.DISCONNECTED) {
            events.record(Severity.INFO, "cloud", "gateway", "cloud tier connected again");
          }
        }
        default -> { }
      }
    }

    @Override
    public void cloudAlert(boolean raised, String detail) {
      stats.cloudAlert(raised);
      events.record(raised ? Severity.ERROR : Severity.INFO, "cloud", "gateway",
          (raised ? "ALERT: " : "alert cleared: ") + detail);
    }

    @Override
    public void request(long nanos, boolean failed) {
      stats.cloudRequest(nanos, failed);
    }

    @Override
    public void uploaded(long bytes) {
      stats.cloudUploaded(bytes);
    }

    @Override
    public void downloaded(long bytes) {
      stats.cloudDownloaded(bytes);
    }

    @Override
    public void coldRead() {
      // The hit ratio is fed per chunk by the engine's read observer, which sees local and cold
      // chunks alike; counting here too would count read-ahead fetches nobody asked for.
    }

    @Override
    public void integrityFailure() {
      stats.cloudIntegrityFailure();
    }

    @Override
    public void uploadQueue(long bytes) {
      stats.uploadQueue(bytes);
    }

    @Override
    public void gc(long pendingPacks, long reclaimedBytes) {
      stats.gcProgress(pendingPacks, reclaimedBytes);
    }
  }

  /** Creates the service for a gateway whose engine is open; serves nothing yet. */
  public static AdminService create(ApplianceHost host) {
    return new AdminService(host);
  }

  /** What the iSCSI portal should serve: every volume, or null when there is none. */
  public TargetConfig targets() {
    List<VolumeInfo> volumes = host.engine().listVolumes();
    if (volumes.isEmpty()) {
      return null;
    }
    exported.keySet().retainAll(volumes.stream().map(VolumeInfo::name).toList());
    TargetConfig.Builder b = TargetConfig.builder();
    for (VolumeInfo v : volumes) {
      b.target(target(v.name()));
    }
    return b.build();
  }

  /**
   * The target serving a volume: its metered device (the same instance for as long as the
   * volume is, so that an access change keeps the sessions it still admits), allow list and
   * CHAP.
   */
  private TargetConfig.Target target(String name) {
    Volume vol = host.engine().volume(name);
    BlockDevice dev = exported.compute(name, (n, old) ->
        old != null && ((MeteredBlockDevice) old).wraps(vol) ? old
            : new MeteredBlockDevice(vol, stats.volume(n)));
    VolumeAccess.Access a = volumeAccess.get(name);
    if (a.locked()) {
      // Served, so the portal's shape does not depend on it, but to nobody: only an
      // initiator of a random name that also knows a random secret, neither kept anywhere.
      return new TargetConfig.Target(host.iqn(name), Map.of(0L, dev),
          Set.of("iqn.invalid:locked-" + randomText()),
          ChapCredentials.of("locked", randomText()));
    }
    return new TargetConfig.Target(host.iqn(name), Map.of(0L, dev), Set.copyOf(a.acl()),
        a.chap() == null ? null : a.chap().credentials());
  }

  private static String randomText() {
    byte[] b = new byte[12];
    RANDOM.nextBytes(b);
    return java.util.HexFormat.of().formatHex(b).substring(0, 16);
  }

  /**
   * Counts a login the iSCSI portal refused and, for authentication and access failures,
   * records a security event, at most one per kind and target a minute (a guessing initiator
   * must not flood the bounded log). Called on a network thread: the event is written on the
   * service's own thread.
   */
  public void iscsiLoginFailed(LoginFailure failure) {
    stats.iscsiLoginFailure(failure.reason());
    String what = switch (failure.reason()) {
      case AUTHENTICATION -> "wrong or missing CHAP credentials";
      case NOT_ALLOWED -> "initiator not in the ACL";
      default -> null;
    };
    ScheduledExecutorService writer = sampler;
    if (what == null || writer == null) {
      return;
    }
    String target = failure.targetName() != null ? failure.targetName() : "discovery";
    long now = System.currentTimeMillis();
    Long last = lastLoginEvent.put(failure.reason() + " " + target, now);
    if (last != null && now - last < LOGIN_EVENT_INTERVAL_MILLIS) {
      lastLoginEvent.put(failure.reason() + " " + target, last);
      return;
    }
    String who = failure.initiatorName() + "@" + failure.peer().replaceFirst("^/", "");
    try {
      writer.execute(() -> events.record(Severity.WARNING, "security", who,
          "iSCSI login to " + target + " refused: " + what + " (more within a minute are "
              + "only counted in " + GatewayStats.ISCSI_LOGIN_FAILURES.replace('.', '_')
              + "_total)"));
    } catch (RejectedExecutionException e) {
      log.debug("closing: event for a refused login dropped");
    }
  }

  /**
   * Starts the admin server (unless the listen address is {@code off}), writes the local
   * credential and endpoint files, and starts sampling throughput. A server that cannot
   * listen is logged as an error event; the gateway keeps serving storage.
   */
  public synchronized void start() {
    access.issueLocalCredential();
    sampler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "admin-sampler");
      t.setDaemon(true);
      return t;
    });
    sampler.scheduleAtFixedRate(this::sampleSafely, ThroughputHistory.INTERVAL_SECONDS,
        ThroughputHistory.INTERVAL_SECONDS, TimeUnit.SECONDS);
    bandwidth.start(sampler);
    String listen = host.adminListen();
    if (listen == null || listen.equalsIgnoreCase("off")) {
      log.info("admin server disabled (--admin-listen off)");
      // Tells a command on this data directory not to wait for an API that never comes.
      SecureFiles.write(adminDir.resolve("endpoint"), NO_API_OFF.getBytes(StandardCharsets.UTF_8));
      return;
    }
    int colon = listen.lastIndexOf(':');
    String bindHost = colon < 0 ? "127.0.0.1" : listen.substring(0, colon).replaceAll("[\\[\\]]", "");
    int port;
    try {
      port = Integer.parseInt(listen.substring(colon + 1));
    } catch (NumberFormatException e) {
      events.record(Severity.ERROR, "system", "gateway",
          "admin server not started: --admin-listen needs host:port, got " + listen);
      return;
    }
    try {
      Path[] tls = Certificates.ensure(adminDir, bindHost);
      server = AdminServer.start(new Api(this), bindHost.isEmpty() ? "0.0.0.0" : bindHost,
          port, tls[0], tls[1]);
      SecureFiles.write(adminDir.resolve("endpoint"),
          (url() + "\n").getBytes(StandardCharsets.UTF_8));
      events.record(Severity.INFO, "system", "gateway", "admin server listening on " + url());
    } catch (RuntimeException e) {
      log.error("admin server cannot start", e);
      SecureFiles.write(adminDir.resolve("endpoint"),
          NO_API_FAILED.getBytes(StandardCharsets.UTF_8));
      events.record(Severity.ERROR, "system", "gateway",
          "admin server not started on " + listen + ": " + e.getMessage());
    }
    if (!access.passwordSet()) {
      events.record(Severity.WARNING, "security", "gateway", "no admin password is set: run "
          + "'./tiergate setup' (or Set-AdminPassword) so the web UI can be used");
    }
  }

  private void sampleSafely() {
    try {
      history.sample();
      capacityAlarm.check(usedPercent(host.engine().usage()));
    } catch (RuntimeException e) {
      log.warn("throughput sample failed", e);
    }
  }

  /** The admin server's base URL, e.g. {@code https://127.0.0.1:8080}, or null. */
  public synchronized String url() {
    if (server == null) {
      return null;
    }
    return AdminServer.url(server.address());
  }

  /** The service's meters. */
  public GatewayStats stats() {
    return stats;
  }

  /** Records a gateway event (for other components: cloud unreachable, disk nearly full...). */
  public void event(String severity, String category, String message) {
    events.record(EventLog.Severity.parse(severity), category, "gateway", message);
  }

  /** Stops the admin server; removes the local credential and endpoint files. */
  @Override
  public synchronized void close() {
    if (sampler != null) {
      sampler.shutdownNow();
    }
    if (server != null) {
      server.close();
      server = null;
    }
    access.revokeLocalCredential();
    try {
      Files.deleteIfExists(adminDir.resolve("endpoint"));
    } catch (IOException e) {
      log.warn("cannot remove {}", adminDir.resolve("endpoint"));
    }
  }

  // ---------------------------------------------------------------- for the API

  ApplianceHost host() {
    return host;
  }

  EventLog events() {
    return events;
  }

  AccessControl access() {
    return access;
  }

  VolumeAccess volumeAccess() {
    return volumeAccess;
  }

  ThroughputHistory history() {
    return history;
  }

  BandwidthScheduler bandwidth() {
    return bandwidth;
  }

  CloudSync cloudSync() {
    return cloudSync;
  }

  /**
   * Exports a volume just created, or applies its changed access (ACL, CHAP) to the running
   * portal; only this volume's sessions can be affected. Returns the sessions closed.
   */
  int export(String volume) {
    int closed = host.exportTarget(target(volume));
    if (closed > 0) {
      events.record(Severity.WARNING, "iscsi", "gateway", "access to volume " + volume
          + " changed: " + closed + " session(s) it no longer admits were closed");
    }
    return closed;
  }

  /** Stops exporting a volume (before it is deleted); returns the sessions closed. */
  int unexport(String volume) {
    exported.remove(volume);
    return host.unexportTarget(host.iqn(volume));
  }

  Map<String, Object> volumeJson(VolumeInfo v, boolean withUsage) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", v.name());
    m.put("sizeBytes", v.sizeBytes());
    m.put("size", ByteSizes.format(v.sizeBytes()));
    m.put("chunkSize", v.chunkSize());
    m.put("tiered", !v.pinned());
    m.put("pinned", v.pinned());
    m.put("target", host.iqn(v.name()));
    m.put("lun", 0);
    m.put("portal", host.portal());
    m.put("portalOnAllAddresses", host.portalOnAllAddresses());
    m.put("createdAt", Instant.ofEpochMilli(v.createdMillis()).toString());
    m.putAll(volumeAccess.get(v.name()).toPublicJson());
    if (withUsage) {
      m.put("usage", Api.usageJson(volumeUsage(v.name())));
    }
    return m;
  }

  /**
   * A volume's space figures, at most {@value #USAGE_TTL_MILLIS} ms old: computing them scans
   * the volume's block map, which a dashboard polling a large volume must not do every time.
   */
  SpaceUsage volumeUsage(String name) {
    long now = System.currentTimeMillis();
    CachedUsage c = usageCache.get(name);
    if (c == null || now - c.atMillis() > USAGE_TTL_MILLIS) {
      c = new CachedUsage(host.engine().usage(name), now);
      usageCache.put(name, c);
    }
    return c.usage();
  }

  /** Forgets cached figures after a volume changed. */
  void volumeChanged(String name) {
    usageCache.remove(name);
  }

  Map<String, Object> status() {
    BlockEngine engine = host.engine();
    SpaceUsage u = engine.usage();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("state", "running");
    m.put("startedAt", started.toString());
    m.put("uptimeSeconds", java.time.Duration.between(started, Instant.now()).getSeconds());
    Map<String, Object> cap = Api.usageJson(u);
    cap.put("diskBytes", u.diskBytes());
    cap.put("capacityBytes", host.capacityBytes() == Long.MAX_VALUE ? null : host.capacityBytes());
    cap.put("freeBytes", freeBytes());
    cap.put("usedPercent", round(usedPercent(u)));
    CloudTierService cloud = host.cloud();
    cap.put("cloudBytes", cloud == null ? "not configured" : cloud.cloudBytes());
    m.put("capacity", cap);
    m.put("dedupRatio", cap.get("dedupRatio"));
    m.put("compressionRatio", cap.get("compressionRatio"));
    double hit = stats.cacheHitPercent();
    m.put("cacheHitPercent", Double.isNaN(hit) ? null : round(hit));
    m.put("dirtyBytes", cloud == null ? "not configured" : cloud.dirtyBytesCached());
    m.put("cloud", cloudState());
    Map<String, Object> iscsi = new LinkedHashMap<>();
    iscsi.put("portal", host.portal());
    iscsi.put("portals", host.portals());
    iscsi.put("portalOnAllAddresses", host.portalOnAllAddresses());
    iscsi.put("sessions", host.sessionCount());
    m.put("iscsi", iscsi);
    m.put("volumes", engine.listVolumes().size());
    m.put("adminPasswordSet", access.passwordSet());
    m.put("throughput", history.toJson().get("totals"));
    return m;
  }

  Map<String, Object> cloudState() {
    CloudTierService cloud = host.cloud();
    if (cloud != null) {
      TierCounters c = cloud.counters();
      Map<String, Object> m = new LinkedHashMap<>();
      CloudHealth h = cloud.health();
      CloudHealth.State st = h.state();
      m.put("state", st.label());
      m.put("reachable", st == CloudHealth.State.CONNECTED
          || st == CloudHealth.State.FOREIGN_CONTAINER && h.lastFailureMillis()
              < h.lastAnswerMillis());
      m.put("attached", st != CloudHealth.State.FOREIGN_CONTAINER);
      m.put("target", cloud.describe());
      if (cloud.config().azure()) {
        m.put("container", cloud.config().container());
      }
      m.put("lastError", h.lastError() != null ? h.lastError() : c.lastError());
      m.put("lastSuccessAt", h.lastAnswerMillis() == 0 ? null
          : Instant.ofEpochMilli(h.lastAnswerMillis()).toString());
      m.put("disconnectedSince", h.downSinceMillis() == 0 ? null
          : Instant.ofEpochMilli(h.downSinceMillis()).toString());
      m.put("alert", h.alerting());
      m.put("alertAfterSeconds", h.alertAfter().toSeconds());
      m.put("dirtyBytes", cloud.dirtyBytesCached());
      m.put("uploadingBytes", c.uploadQueueBytes());
      // The limit in force now: the schedule's rule for this minute, else the default.
      long now = bandwidth.limitNow();
      int rule = bandwidth.ruleNow();
      m.put("bandwidthLimit", now > 0 ? now : "unlimited");
      m.put("bandwidthLimitSource", rule < 0 ? "default" : "schedule rule " + rule);
      m.put("defaultBandwidthLimit", bandwidth.defaultLimit() > 0 ? bandwidth.defaultLimit()
          : "unlimited");
      m.put("bandwidthSchedule", bandwidth.schedule().toJson());
      m.put("tierAfterSeconds", cloud.config().tierAfter().toSeconds());
      m.put("uploadedBytes", c.bytesUp());
      m.put("downloadedBytes", c.bytesDown());
      m.put("packsUploaded", c.packsUploaded());
      m.put("coldReads", c.coldReads());
      m.put("integrityFailures", c.integrityFailures());
      m.put("packsDeleted", c.packsDeleted());
      // The latest sync an administrator started (null when none): what -Wait follows.
      m.put("sync", cloudSync.toJson());
      return m;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("state", "not configured");
    m.put("reachable", "not configured");
    m.put("dirtyBytes", "not configured");
    m.put("bandwidthLimit", "not configured");
    return m;
  }

  byte[] supportBundle() {
    List<Object> vols = new ArrayList<>();
    for (VolumeInfo v : host.engine().listVolumes()) {
      vols.add(volumeJson(v, false));
    }
    Map<String, String> settings = new LinkedHashMap<>(host.settings());
    return SupportBundle.build(settings, status(), vols, events.file(), stats.scrape(),
        host.dataDir(), volumeAccess.secrets());
  }

  void writePassphraseFile(char[] passphrase) {
    CharBuffer cb = CharBuffer.wrap(passphrase);
    var bb = StandardCharsets.UTF_8.encode(cb);
    byte[] bytes = new byte[bb.remaining() + 1];
    bb.get(bytes, 0, bytes.length - 1);
    bytes[bytes.length - 1] = '\n';
    try {
      SecureFiles.write(host.passphraseFile(), bytes);
    } finally {
      Arrays.fill(bytes, (byte) 0);
      if (bb.hasArray()) {
        Arrays.fill(bb.array(), (byte) 0);
      }
    }
  }

  private Long freeBytes() {
    try {
      FileStore fs = Files.getFileStore(host.dataDir());
      return fs.getUsableSpace();
    } catch (IOException e) {
      return null;
    }
  }

  private double usedPercent(SpaceUsage u) {
    if (host.capacityBytes() != Long.MAX_VALUE) {
      return 100.0 * u.storedBytes() / host.capacityBytes();
    }
    Long free = freeBytes();
    if (free == null) {
      return Double.NaN;
    }
    long used = u.diskBytes();
    return used + free == 0 ? 0 : 100.0 * used / (used + free);
  }

  private static Double round(double d) {
    return Double.isNaN(d) ? null : Math.round(d * 100) / 100.0;
  }

  /** The appliance gauges' view of this gateway. */
  private final class Gauges implements ApplianceGauges {
    @Override
    public int sessions() {
      return host.sessionCount();
    }

    @Override
    public SpaceUsage usage() {
      return host.engine().usage();
    }

    @Override
    public double usedPercent() {
      return AdminService.this.usedPercent(host.engine().usage());
    }

    @Override
    public int snapshots(String volume) {
      int n = 0;
      for (SnapshotInfo s : host.engine().listSnapshots()) {
        if (s.volume().equals(volume)) {
          n++;
        }
      }
      return n;
    }
  }

  @Override
  public String toString() {
    return "AdminService[" + adminDir + "]";
  }
}
