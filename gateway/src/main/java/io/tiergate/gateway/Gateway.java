package io.tiergate.gateway;

import io.tiergate.crypto.ChunkIdHasher;
import io.tiergate.crypto.CryptoException;
import io.tiergate.crypto.KeyRing;
import io.tiergate.gateway.admin.AdminService;
import io.tiergate.gateway.admin.ApplianceHost;
import io.tiergate.gateway.admin.LocalAdmin;
import io.tiergate.gateway.engine.BlockEngine;
import io.tiergate.gateway.engine.ChunkHasher;
import io.tiergate.gateway.engine.EngineConfig;
import io.tiergate.gateway.engine.EngineException;
import io.tiergate.gateway.engine.VolumeSpec;
import io.tiergate.gateway.kv.DatabaseLock;
import io.tiergate.gateway.tier.CloudConfig;
import io.tiergate.gateway.tier.CloudTierService;
import io.tiergate.iscsi.IscsiServer;
import io.tiergate.iscsi.TargetConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running appliance: unlocks the key ring with the passphrase, opens the block engine on
 * the data directory and serves every volume over iSCSI as target {@code
 * iqn.2026-11.io.tiergate:<volume>}, LUN 0.
 *
 * <p>Data directory: {@code db/} (the RocksDB database), {@code keyring} (the key slots, each
 * wrapping the keys under a passphrase-derived key), {@code cloud/} (the cloud tier's default
 * store, a local folder, unless {@code --cloud} names another) and, in the demo default only,
 * {@code demo-passphrase}. While serving, the cloud tier ({@code tier} package) uploads cold
 * chunks and reads evicted ones back.
 *
 * <p>Lifecycle: {@link #open} unlocks and opens; {@link #serve} starts the portal; {@link
 * #close} stops the portal (closing every session) and then closes the engine, which flushes
 * and syncs RocksDB. Once serving, the admin service ({@code admin} package) decides what
 * the portal exports: a volume created through it is exported at once, without disturbing
 * the sessions of other volumes.
 */
public final class Gateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Gateway.class);
  static final String DEMO_VOLUME = "demo";
  static final long DEMO_SIZE = 10L << 30;
  /** The database folder in the data directory. */
  private static final String DATABASE = "db";

  private final GatewayConfig config;
  private final KeyRing keyRing;
  private final BlockEngine engine;
  private IscsiServer server;
  private AdminService admin;
  private volatile CloudTierService cloud;

  private Gateway(GatewayConfig config, KeyRing keyRing, BlockEngine engine) {
    this.config = config;
    this.keyRing = keyRing;
    this.engine = engine;
  }

  /**
   * Unlocks the key ring (creating it on first start) and opens the engine.
   *
   * @throws IllegalStateException with a message for the administrator when the passphrase is
   *     wrong, the data directory is in use, or its format is unknown
   */
  public static Gateway open(GatewayConfig given) {
    Path dir = given.dataDir();
    // A cloud target an administrator set at run time outlives restarts.
    GatewayConfig config = given.withCloud(LocalAdmin.savedCloud(dir, given.cloud()));
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IllegalStateException("cannot create data directory " + dir + ": "
          + e.getMessage());
    }
    // Before the passphrase: against a running gateway, no passphrase is right or wrong.
    refuseIfInUse(dir);
    char[] passphrase = passphrase(config);
    KeyRing ring;
    try {
      ring = unlockOrCreate(dir.resolve("keyring"), passphrase);
    } finally {
      Arrays.fill(passphrase, '\0');
    }
    try {
      ChunkIdHasher ids = ring.chunkIdHasher();
      BlockEngine engine = BlockEngine.open(dir.resolve(DATABASE),
          EngineConfig.defaults().withCapacity(config.capacityBytes()),
          ChunkHasher.of(ids));
      // The database is ours now: an endpoint file left behind is a killed gateway's.
      forgetEndpoint(dir);
      return new Gateway(config, ring, engine);
    } catch (EngineException e) {
      ring.close();
      throw new IllegalStateException(engineMessage(e, dir), e);
    } catch (RuntimeException e) {
      ring.close();
      throw e;
    }
  }

  /**
   * Whether a gateway (or a command working directly on the data) has the database of {@code
   * dataDir} open now, in this process or another: running, or starting and not yet serving.
   */
  public static boolean inUse(Path dataDir) {
    return DatabaseLock.held(dataDir.resolve(DATABASE));
  }

  /**
   * Stops a second gateway or command from working on a data directory that one has open.
   *
   * @throws IllegalStateException saying so
   */
  public static void refuseIfInUse(Path dataDir) {
    if (inUse(dataDir)) {
      throw new IllegalStateException("data directory " + dataDir.toAbsolutePath() + " is in"
          + " use by a running gateway (or one that is starting); nothing was changed");
    }
  }

  private static void forgetEndpoint(Path dir) {
    try {
      Files.deleteIfExists(dir.resolve("admin").resolve("endpoint"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove the stale " + dir.resolve("admin/endpoint"),
          e);
    }
  }

  private static String engineMessage(EngineException e, Path dir) {
    if (e.code() == EngineException.Code.STORAGE && e.getCause() != null
        && String.valueOf(e.getCause().getMessage()).contains("lock")) {
      return "data directory " + dir + " is in use by a running gateway";
    }
    return e.getMessage() + (e.getCause() != null ? ": " + e.getCause().getMessage() : "");
  }

  private static char[] passphrase(GatewayConfig config) {
    Path file = config.passphraseFile();
    if (file == null) {
      file = config.dataDir().resolve("demo-passphrase");
      if (!Files.exists(file)) {
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String p = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        writeAtomically(file, (p + "\n").getBytes(StandardCharsets.UTF_8), true);
      }
      log.warn("\n"
          + "************************************************************************\n"
          + "*  DEMO MODE: no --passphrase-file was given, so the passphrase that   *\n"
          + "*  protects every key is stored next to the data, in                   *\n"
          + "*  {}\n"
          + "*  Anyone with this disk can read the data. For trying Tiergate out     *\n"
          + "*  only: production appliances pass --passphrase-file.                  *\n"
          + "************************************************************************",
          file.toAbsolutePath());
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read passphrase file " + file + ": "
          + e.getMessage());
    }
    try {
      int end = bytes.length;
      while (end > 0 && (bytes[end - 1] == '\n' || bytes[end - 1] == '\r')) {
        end--;
      }
      CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(bytes, 0, end));
      char[] out = new char[chars.remaining()];
      chars.get(out);
      Arrays.fill(chars.array(), '\0');
      return out;
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  private static KeyRing unlockOrCreate(Path file, char[] passphrase) {
    try {
      if (Files.exists(file)) {
        return KeyRing.unlock(Files.readAllBytes(file), passphrase);
      }
      KeyRing ring = KeyRing.create(passphrase);
      writeAtomically(file, ring.serialize(), false);
      log.info("created a new key ring in {}", file);
      return ring;
    } catch (CryptoException e) {
      throw new IllegalStateException(switch (e.code()) {
        case WRONG_PASSPHRASE -> "wrong passphrase: it opens no slot of " + file
            + "; nothing was changed";
        case WEAK_PASSPHRASE -> "passphrase too weak: " + e.getMessage();
        default -> "key ring " + file + " unusable: " + e.getMessage();
      }, e);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read or write " + file + ": " + e.getMessage());
    }
  }

  /** Writes a file so that a crash leaves either the old or the new content, never a mix. */
  private static void writeAtomically(Path file, byte[] content, boolean secret) {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.deleteIfExists(tmp);
      if (secret) {
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rw-------")));
      }
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE,
          StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ch.write(ByteBuffer.wrap(content));
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** The block engine. */
  public BlockEngine engine() {
    return engine;
  }

  /** Creates the demo volume when there is no volume at all. */
  public void ensureDemoVolume() {
    if (engine.listVolumes().isEmpty()) {
      engine.createVolume(VolumeSpec.of(DEMO_VOLUME, DEMO_SIZE));
      // Open to any initiator, as the demo's connection hints assume; said explicitly, since
      // a volume without access settings is served to nobody.
      LocalAdmin.openVolumeAccess(config.dataDir(), DEMO_VOLUME);
      log.info("created demo volume {} ({} thin)", DEMO_VOLUME, ByteSizes.format(DEMO_SIZE));
    }
  }

  /**
   * Starts the iSCSI portal with one target per volume, then the admin service (REST API, web
   * UI, metrics), which from then on decides what the portal exports.
   */
  public synchronized void serve() {
    startCloud();
    admin = AdminService.create(new Host());
    engine.setReadObserver(admin.stats().readObserver());
    TargetConfig targets = admin.targets();
    if (targets == null) {
      throw new IllegalStateException("no volume to serve");
    }
    server = IscsiServer.start(targets, config.iscsiHost(), config.iscsiPort(),
        admin::iscsiLoginFailed);
    admin.start();
  }

  /**
   * Connects the cloud tier (the configured store; by default a directory in the data
   * directory) and starts its background passes. Idempotent.
   */
  public synchronized CloudTierService startCloud() {
    if (cloud == null) {
      cloud = CloudTierService.start(engine, keyRing, config.cloud(), config.dataDir(), true);
    }
    return cloud;
  }

  /** The cloud tier, or null before {@link #serve} or {@link #startCloud}. */
  public CloudTierService cloud() {
    return cloud;
  }

  /** The admin server's URL, or null when it is not serving. */
  public String adminUrl() {
    return admin == null ? null : admin.url();
  }

  /** The gateway as the admin service sees it. */
  private final class Host implements ApplianceHost {
    @Override
    public Path dataDir() {
      return config.dataDir();
    }

    @Override
    public String adminListen() {
      return config.adminListen();
    }

    @Override
    public long capacityBytes() {
      return config.capacityBytes();
    }

    @Override
    public BlockEngine engine() {
      return engine;
    }

    @Override
    public KeyRing keyRing() {
      return keyRing;
    }

    @Override
    public void saveKeyRing() {
      writeAtomically(config.dataDir().resolve("keyring"), keyRing.serialize(), false);
      CloudTierService c = cloud;
      if (c != null) {
        // The cloud's copy must follow, or a changed-away passphrase would still open it.
        c.republishKeyRing();
      }
    }

    @Override
    public CloudTierService cloud() {
      return cloud;
    }

    @Override
    public Path passphraseFile() {
      return config.passphraseFile() != null ? config.passphraseFile()
          : config.dataDir().resolve("demo-passphrase");
    }

    @Override
    public String iqn(String volume) {
      return GatewayConfig.iqn(volume);
    }

    @Override
    public int sessionCount() {
      synchronized (Gateway.this) {
        return server == null ? 0 : server.sessionCount();
      }
    }

    @Override
    public int sessionCount(String iqn) {
      synchronized (Gateway.this) {
        return server == null ? 0 : server.sessionCount(iqn);
      }
    }

    @Override
    public String portal() {
      List<String> all = portals();
      return all.isEmpty() ? null : all.get(0);
    }

    @Override
    public List<String> portals() {
      InetSocketAddress a;
      synchronized (Gateway.this) {
        if (server == null) {
          return List.of();
        }
        a = server.address();
      }
      return PortalAddresses.usable(a);
    }

    @Override
    public boolean portalOnAllAddresses() {
      synchronized (Gateway.this) {
        return server != null && server.address().getAddress().isAnyLocalAddress();
      }
    }

    @Override
    public int exportTarget(TargetConfig.Target target) {
      synchronized (Gateway.this) {
        // Not serving (closing): a late admin request must not change anything.
        return server == null || admin == null ? 0 : server.putTarget(target);
      }
    }

    @Override
    public int unexportTarget(String iqn) {
      synchronized (Gateway.this) {
        return server == null || admin == null ? 0 : server.removeTarget(iqn);
      }
    }

    @Override
    public Map<String, String> settings() {
      Map<String, String> m = new LinkedHashMap<>();
      m.put("data-dir", config.dataDir().toAbsolutePath().toString());
      m.put("iscsi-listen", config.iscsiHost() + ":" + config.iscsiPort());
      m.put("admin-listen", config.adminListen());
      m.put("passphrase-file", String.valueOf(passphraseFile()));
      m.put("capacity", config.capacityBytes() == Long.MAX_VALUE ? "unlimited"
          : String.valueOf(config.capacityBytes()));
      // The connection string itself never leaves its file; only where it is kept. The
      // tier's settings, not the start's: credentials may have changed since.
      CloudTierService c = cloud;
      CloudConfig cc = c != null ? c.config() : config.cloud();
      m.put("cloud", cc.describe(config.dataDir()));
      if (cc.azure()) {
        m.put("azure-connection-string-file", String.valueOf(cc.connectionStringFile()));
        m.put("container", cc.container());
      }
      m.put("tier-after", cc.tierAfter().toString());
      return m;
    }
  }

  /** The portal's address, once serving. */
  public InetSocketAddress iscsiAddress() {
    return server.address();
  }

  /**
   * Where initiators reach the portal, once serving, as {@code HOST:PORT}: its address, or
   * for a portal on all addresses this machine's first non-loopback address and {@code
   * 127.0.0.1}.
   */
  public List<String> iscsiPortals() {
    return PortalAddresses.usable(server.address());
  }

  /**
   * Stops the portal (sessions closed), then closes the engine and the key ring. Every part is
   * closed even when an earlier one fails, so that a failing admin server or cloud tier never
   * leaves the database unsynced.
   *
   * @throws RuntimeException the first failure (later ones suppressed) when a part did not
   *     close cleanly: {@code tiergate run} then exits non-zero
   */
  @Override
  public synchronized void close() {
    RuntimeException failure = null;
    if (admin != null) {
      failure = closePart(admin::close, failure);
      admin = null;
    }
    if (server != null) {
      failure = closePart(server::close, failure);
      server = null;
    }
    if (cloud != null) {
      failure = closePart(cloud::close, failure);
      cloud = null;
    }
    failure = closePart(engine::close, failure);
    failure = closePart(keyRing::close, failure);
    if (failure != null) {
      throw failure;
    }
    log.info("gateway stopped");
  }

  private static RuntimeException closePart(Runnable close, RuntimeException failure) {
    try {
      close.run();
      return failure;
    } catch (RuntimeException e) {
      if (failure == null) {
        return e;
      }
      failure.addSuppressed(e);
      return failure;
    }
  }
}
