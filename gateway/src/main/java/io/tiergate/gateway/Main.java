package io.tiergate.gateway;

import io.tiergate.gateway.admin.LocalAdmin;
import io.tiergate.gateway.cli.Cli;
import io.tiergate.gateway.engine.EngineException;
import io.tiergate.gateway.engine.EngineVerifier;
import io.tiergate.gateway.engine.SpaceUsage;
import io.tiergate.gateway.engine.VolumeInfo;
import io.tiergate.gateway.engine.VolumeSpec;
import io.tiergate.gateway.logging.LogSetup;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The {@code tiergate} command line.
 *
 * <pre>
 * tiergate run [--data-dir DIR] [--iscsi-listen HOST:PORT] [--admin-listen HOST:PORT]
 *              [--passphrase-file FILE] [--capacity SIZE] [--config FILE]
 * tiergate New-Volume -Name NAME -Size SIZE [-ChunkSize SIZE] [-Pinned] [--data-dir DIR]
 * tiergate Get-Volume [--data-dir DIR]
 * </pre>
 *
 * <p>Commands and option names are case-insensitive and take one or two leading dashes, in the
 * PowerShell style that the admin CLI will keep. This is the one class that prints to standard
 * output; everything else logs. Exit status: 0 success, 1 failure, 2 bad usage.
 */
public final class Main {
  private static final Set<String> CLOUD_OPTIONS = Set.of("cloud", "azureconnectionstringfile",
      "container", "packtier", "tierafter", "bandwidthlimit", "uploadparallelism",
      "cachehighwatermark", "cachelowwatermark", "gcgrace", "coldreadtimeout",
      "cloudalertafter");
  private static final Set<String> RUN_OPTIONS = union(
      Set.of("datadir", "iscsilisten", "adminlisten", "passphrasefile", "capacity", "config"),
      CLOUD_OPTIONS);
  private static final Set<String> VOLUME_OPTIONS =
      Set.of("datadir", "passphrasefile", "config", "name", "size", "chunksize", "pinned");
  private static final Set<String> VERIFY_OPTIONS =
      Set.of("datadir", "passphrasefile", "config");
  private static final Set<String> FLAGS = Set.of("pinned");
  /** The settings file in the data directory that {@code tiergate setup} writes. */
  static final String SETUP_CONFIG = "tiergate.conf";

  private Main() {}

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> u = new java.util.HashSet<>(a);
    u.addAll(b);
    return Set.copyOf(u);
  }

  /** Entry point. */
  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0) {
      usage(err);
      return 2;
    }
    String command = args[0].toLowerCase(Locale.ROOT).replaceFirst("^-+", "");
    if (!command.equals("run")) {
      // One-shot commands print their result; the service's progress log would bury it.
      LogSetup.quiet();
    }
    // Every Verb-Noun cmdlet, setup and shell belong to the admin CLI; New-Volume and
    // Get-Volume work directly on the data directory only while no gateway runs on it.
    if (Cli.handles(command) && (!Set.of("new-volume", "get-volume").contains(command)
        || Cli.gatewayRunning(args))) {
      return Cli.run(args, out, err);
    }
    try {
      return switch (command) {
        case "run" -> serve(options(args, RUN_OPTIONS), out);
        case "new-volume" -> newVolume(options(args, VOLUME_OPTIONS), out);
        case "get-volume" -> getVolume(options(args, VOLUME_OPTIONS), out);
        case "verify" -> verify(options(args, VERIFY_OPTIONS), out);
        case "help", "h", "?" -> {
          usage(out);
          yield 0;
        }
        default -> throw new UsageException("unknown command: " + args[0]);
      };
    } catch (UsageException | IllegalArgumentException e) {
      err.println("tiergate: " + e.getMessage());
      err.println("Run 'tiergate help' for usage.");
      return 2;
    } catch (IllegalStateException | EngineException e) {
      err.println("tiergate: " + e.getMessage());
      return 1;
    }
  }

  private static void usage(PrintStream s) {
    s.println("""
        Usage:
          tiergate run [--data-dir DIR] [--iscsi-listen HOST:PORT] [--admin-listen HOST:PORT]
                       [--passphrase-file FILE] [--capacity SIZE] [--config FILE]
                       [--cloud file:DIR | --cloud azure ...] [--tier-after 1h] [...]
              Runs the gateway in the foreground (Ctrl-C or SIGTERM stops it cleanly).
              Defaults: --data-dir ./tiergate-data, --iscsi-listen 0.0.0.0:3260,
              --admin-listen 127.0.0.1:8080 (admin API, web UI and /metrics over HTTPS;
              'off' disables it).
              Without --passphrase-file a demo passphrase is generated and kept in the
              data directory: for trying Tiergate out only.
              --config FILE reads the same settings from a properties file
              (data-dir=..., iscsi-listen=..., ...); flags override it. Without
              --config, DATA-DIR/tiergate.conf (written by 'tiergate setup') is read
              when it exists.
              Cloud tier (cold chunks, packed and encrypted):
                --cloud file:DIR         a directory (default: DATA-DIR/cloud)
                --cloud azure --azure-connection-string-file FILE --container NAME
                                         an Azure Blob container (the file holds the secret)
                --pack-tier Hot|Cool|Cold  --tier-after 1h  --bandwidth-limit 20MB/s
                --upload-parallelism 2   --cache-high-watermark 90%
                --cache-low-watermark 80%  --gc-grace 1h
                --cold-read-timeout 10s  --cloud-alert-after 5m
              A store set later with Set-CloudCredential or 'tiergate setup' (kept in
              DATA-DIR/admin/cloud.conf) replaces --cloud, --azure-connection-string-file
              and --container; the Set-BandwidthLimit default and the weekly schedule
              (DATA-DIR/admin/bandwidth.json) replace --bandwidth-limit.
              Logs: standard error and DATA-DIR/logs/gateway.log (rolled at 4 MiB, 4 kept);
              DATA-DIR/logback.xml or -Dlogback.configurationFile=FILE changes that.

          tiergate New-Volume -Name NAME -Size SIZE [-ChunkSize SIZE] [-Pinned] [--data-dir DIR]
              Creates a thin volume (exported as iqn.2026-11.io.tiergate:NAME, LUN 0, when
              the gateway next starts). SIZE like 10GiB or 512MiB; chunk size 32KiB-256KiB,
              default 64KiB. -Pinned keeps the volume on local disk (never tiered).
              While a gateway runs (or starts) on DIR, this goes through its admin API
              and the volume is exported at once.

          tiergate Get-Volume [--data-dir DIR]
              Lists volumes with their space usage.

          tiergate <Verb-Noun> [-Parameter value ...] [-Json] [--data-dir DIR]
              Admin cmdlets over the running gateway's API (Get-Help lists them);
              'tiergate setup' for first-boot setup, 'tiergate shell' for a shell.

        Names and options are case-insensitive; one or two leading dashes both work.""");
  }

  /** Thrown for bad command lines. */
  private static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }

  private static Map<String, String> options(String[] args, Set<String> allowed) {
    Map<String, String> opts = new LinkedHashMap<>();
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("-")) {
        throw new UsageException("unexpected argument: " + a);
      }
      String name = a.replaceFirst("^-+", "");
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      String key = name.toLowerCase(Locale.ROOT).replace("-", "");
      if (!allowed.contains(key)) {
        throw new UsageException("unknown option: " + a);
      }
      if (value == null) {
        if (FLAGS.contains(key)) {
          value = "true";
        } else if (i + 1 < args.length) {
          value = args[++i];
        } else {
          throw new UsageException("option " + a + " needs a value");
        }
      }
      opts.put(key, value);
    }
    return opts;
  }

  private static GatewayConfig config(Map<String, String> opts) {
    GatewayConfig c = GatewayConfig.defaults();
    if (opts.containsKey("config")) {
      c = c.withFile(Path.of(opts.get("config")));
    } else {
      // What the setup wizard saved, so that a plain 'tiergate run' runs as set up.
      Path dir = opts.containsKey("datadir") ? Path.of(opts.get("datadir")) : c.dataDir();
      Path saved = dir.resolve(SETUP_CONFIG);
      if (Files.isRegularFile(saved)) {
        c = c.withFile(saved);
      }
    }
    for (Map.Entry<String, String> e : opts.entrySet()) {
      if (!e.getKey().equals("config") && (RUN_OPTIONS.contains(e.getKey())
          || Set.of("datadir", "passphrasefile").contains(e.getKey()))) {
        c = c.with(e.getKey(), e.getValue());
      }
    }
    return c;
  }

  /** The settings a {@code run} command line stands for. */
  static GatewayConfig runConfig(String... args) {
    return config(options(args, RUN_OPTIONS));
  }

  private static int serve(Map<String, String> opts, PrintStream out) {
    GatewayConfig config = config(opts);
    // A second gateway must not even share the first one's log files.
    Gateway.refuseIfInUse(config.dataDir());
    // Before anything logs, so that the support package has the whole story.
    LogSetup.forGateway(config.dataDir());
    Gateway gateway = Gateway.open(config);
    try {
      gateway.ensureDemoVolume();
      gateway.serve();
    } catch (RuntimeException e) {
      gateway.close();
      throw e;
    }
    ShutdownHook.install(gateway);
    InetSocketAddress a = gateway.iscsiAddress();
    List<String> portals = gateway.iscsiPortals();
    out.println("Tiergate gateway is running.");
    out.println("  data directory: " + config.dataDir().toAbsolutePath());
    // A wildcard bind reads 0:0:0:0:0:0:0:0 on a dual-stack JVM: say 0.0.0.0, as configured.
    out.println("  iSCSI portal: " + (a.getAddress().isAnyLocalAddress()
        ? "0.0.0.0:" + a.getPort() + " (all addresses; for example " + String.join(", ", portals)
        + ")" : portals.get(0)));
    out.println("  admin API and web UI: " + (gateway.adminUrl() != null ? gateway.adminUrl()
        : "not serving (" + config.adminListen() + ")"));
    out.println("  targets (LUN 0 each):");
    for (VolumeInfo v : gateway.engine().listVolumes()) {
      out.println("    " + GatewayConfig.iqn(v.name()) + "  " + ByteSizes.format(v.sizeBytes())
          + " thin" + (v.pinned() ? ", pinned" : ""));
    }
    String first = GatewayConfig.iqn(gateway.engine().listVolumes().get(0).name());
    String portal = portals.get(0);
    out.println("Connect with open-iscsi:");
    out.println("  iscsiadm -m discovery -t sendtargets -p " + portal);
    out.println("  iscsiadm -m node -T " + first + " -p " + portal + " --login");
    out.println("or with libiscsi / qemu:");
    out.println("  iscsi-ls iscsi://" + portal + "/");
    out.println("  qemu-img info iscsi://" + portal + "/" + first + "/0");
    out.println("Stop with Ctrl-C (SIGTERM): sessions are closed and the data is synced.");
    out.flush();
    try {
      new CountDownLatch(1).await(); // the shutdown hook ends the process, with its status
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  private static int newVolume(Map<String, String> opts, PrintStream out) {
    String name = opts.get("name");
    String size = opts.get("size");
    if (name == null || size == null) {
      throw new UsageException("New-Volume needs -Name and -Size");
    }
    int chunk = opts.containsKey("chunksize") ? Math.toIntExact(ByteSizes.parse(opts.get("chunksize")))
        : VolumeSpec.DEFAULT_CHUNK_SIZE;
    VolumeSpec spec = new VolumeSpec(name.toLowerCase(Locale.ROOT), ByteSizes.parse(size), chunk,
        Boolean.parseBoolean(opts.getOrDefault("pinned", "false")));
    GatewayConfig config = config(opts);
    try (Gateway g = Gateway.open(config)) {
      VolumeInfo v = g.engine().createVolume(spec).info();
      // No ACL or CHAP can be given here: the volume is open, which its record must say.
      LocalAdmin.openVolumeAccess(config.dataDir(), v.name());
      out.println("Created volume " + v.name() + ": " + ByteSizes.format(v.sizeBytes()) + " thin, "
          + ByteSizes.format(v.chunkSize()) + " chunks" + (v.pinned() ? ", pinned" : ", tiered")
          + ", target " + GatewayConfig.iqn(v.name()) + " LUN 0");
    }
    return 0;
  }

  /**
   * {@code tiergate verify}: the engine's invariant check ({@link EngineVerifier}, deep: every
   * local chunk is decoded and hashed) on a data directory no gateway runs on, as after a
   * crash. Not in the usage text: a maintenance and test tool. Exit status 0 when consistent,
   * 1 with the violations listed.
   */
  private static int verify(Map<String, String> opts, PrintStream out) {
    try (Gateway g = Gateway.open(config(opts))) {
      List<String> problems = EngineVerifier.verify(g.engine(), true);
      for (String p : problems) {
        out.println("violation: " + p);
      }
      SpaceUsage all = g.engine().usage();
      out.printf(Locale.ROOT, "%s: %d volume(s), %s written, %s stored locally%n",
          problems.isEmpty() ? "consistent" : problems.size() + " violation(s)",
          g.engine().listVolumes().size(), ByteSizes.format(all.logicalBytes()),
          ByteSizes.format(all.storedBytes()));
      return problems.isEmpty() ? 0 : 1;
    }
  }

  private static int getVolume(Map<String, String> opts, PrintStream out) {
    try (Gateway g = Gateway.open(config(opts))) {
      List<VolumeInfo> vols = g.engine().listVolumes();
      out.printf(Locale.ROOT, "%-20s %12s %12s %8s %8s %s%n", "Name", "Size", "Written",
          "Dedup", "Compr", "Target");
      for (VolumeInfo v : vols) {
        SpaceUsage u = g.engine().usage(v.name());
        out.printf(Locale.ROOT, "%-20s %12s %12s %7.2fx %7.2fx %s%n", v.name(),
            ByteSizes.format(v.sizeBytes()), ByteSizes.format(u.logicalBytes()), u.dedupRatio(),
            u.compressionRatio(), GatewayConfig.iqn(v.name()));
      }
      SpaceUsage all = g.engine().usage();
      out.printf(Locale.ROOT, "Appliance: %s written, %s stored, dedup %.2fx, compression %.2fx,"
          + " %s on disk%n", ByteSizes.format(all.logicalBytes()), ByteSizes.format(all.storedBytes()),
          all.dedupRatio(), all.compressionRatio(), ByteSizes.format(all.diskBytes()));
    }
    return 0;
  }
}
