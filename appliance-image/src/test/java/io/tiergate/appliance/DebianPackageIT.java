package io.tiergate.appliance;

import static io.tiergate.appliance.Commands.exec;
import static io.tiergate.appliance.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian package on this machine (CI runs as root): {@code dpkg -i}, the files, the
 * conffile, the system user and the permissions; {@code systemd-analyze verify} of the unit and
 * its hardening; lintian; then the unit's {@code ExecStart} run as the service user the way
 * systemd would run it (its user, working directory, umask, file limit and a credentials
 * directory holding the passphrase), reached with {@code iscsi-ls} and a qemu-img round trip
 * through a volume made with the {@code tiergate} command on the PATH; then {@code dpkg -r}
 * (data kept) and {@code dpkg -P} (data deleted, and said so); and an upgrade over an earlier
 * version of the package that keeps a volume's data and the conffile edits. Whatever happens, the package,
 * the user and every file the test made are gone at the end.
 */
class DebianPackageIT {
  private static final String PKG = "tiergate";
  private static final Path UNIT = Path.of("/lib/systemd/system/tiergate.service");
  private static final Path CONF = Path.of("/etc/tiergate/tiergate.conf");
  private static final Path DATA = Path.of("/var/lib/tiergate");
  private static final Path CREDENTIALS = Path.of("/run/credentials/tiergate-it");
  private static final int LUN_BYTES = 16 << 20;

  @TempDir
  Path tmp;

  private final Path deb = Path.of(System.getProperty("tiergate.deb"));
  private boolean installedByUs;

  @BeforeEach
  void machineIsClean() {
    assertEquals("0", run("id", "-u").trim(), "the package test installs as root (CI runs as root)");
    assertFalse(installed(), "a tiergate package is installed already: not touching it");
    assertFalse(exists("passwd"), "a user tiergate exists already: not touching it");
    assertFalse(Files.exists(DATA), DATA + " exists already: not touching it");
    installedByUs = true;
  }

  @AfterEach
  void leaveTheMachineAsFound() throws IOException {
    if (!installedByUs) {
      return;
    }
    List<String> problems = new ArrayList<>();
    if (installed()) {
      Commands.Result r = exec(Map.of(), "dpkg", "--purge", PKG);
      if (r.status() != 0) {
        problems.add("dpkg --purge: " + r.output());
      }
    }
    if (exists("passwd")) {
      exec(Map.of(), "userdel", PKG);
    }
    if (exists("group")) {
      exec(Map.of(), "groupdel", PKG);
    }
    exec(Map.of(), "rm", "-rf", DATA.toString(), "/etc/tiergate", CREDENTIALS.toString());
    if (exists("passwd") || exists("group") || installed() || Files.exists(DATA)) {
      problems.add("left behind: user, group, package or " + DATA);
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  @Test
  void installRunAsTheServiceUserRemoveAndPurge() throws Exception {
    String installOut = run("dpkg", "-i", deb.toString());
    assertTrue(installed(), installOut);

    // Files, the conffile, the user.
    Path launcher = Path.of("/usr/lib/tiergate/bin/tiergate");
    assertTrue(Files.isExecutable(launcher));
    assertEquals(launcher, Path.of("/usr/bin/tiergate").toRealPath());
    assertTrue(Files.isExecutable(Path.of("/usr/lib/tiergate/runtime/bin/java")));
    String conffiles = run("dpkg-query", "-W", "-f=${Conffiles}", PKG);
    assertTrue(conffiles.contains(CONF.toString()), "conffiles: " + conffiles);
    String[] user = run("getent", "passwd", PKG).trim().split(":");
    assertTrue(Integer.parseInt(user[2]) < 1000, "a system user: " + String.join(":", user));
    assertEquals(DATA.toString(), user[5]);
    assertTrue(user[6].endsWith("nologin"), "no login shell: " + user[6]);
    assertOwner(DATA, PKG, "rwxr-x---");
    // Nothing the service could change in its own code, configuration or unit.
    for (Path p : List.of(Path.of("/usr/lib/tiergate"), CONF.getParent(), UNIT)) {
      try (Stream<Path> s = Files.walk(p)) {
        for (Path f : s.toList()) {
          PosixFileAttributes a = Files.readAttributes(f, PosixFileAttributes.class,
              LinkOption.NOFOLLOW_LINKS);
          assertEquals("root", a.owner().getName(), f + " owner");
          assertFalse(PosixFilePermissions.toString(a.permissions()).substring(4).contains("w")
              && !a.isSymbolicLink(), f + " writable by group or others");
        }
      }
    }

    // The unit: systemd's own checks, and the hardening the appliance promises.
    String unit = Files.readString(UNIT);
    run("systemd-analyze", "verify", UNIT.toString());
    for (String line : List.of("User=tiergate", "AmbientCapabilities=CAP_NET_BIND_SERVICE",
        "CapabilityBoundingSet=CAP_NET_BIND_SERVICE", "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/tiergate", "ProtectHome=yes", "PrivateTmp=yes",
        "NoNewPrivileges=yes", "LimitNOFILE=65536", "Restart=on-failure", "TimeoutStopSec=120s")) {
      assertTrue(unit.lines().anyMatch(line::equals), "tiergate.service lacks " + line);
    }
    String security = run("systemd-analyze", "security", "--offline=true", UNIT.toString());
    String score = security.lines().filter(l -> l.contains("Overall exposure level"))
        .findFirst().orElseThrow();
    double exposure = Double.parseDouble(score.replaceAll(".*: *([0-9.]+).*", "$1"));
    assertTrue(exposure <= 2.0, "systemd-analyze security rates the unit " + score);

    // Free loopback ports instead of 3260 and 8080 (a conffile edit, as an admin would).
    int iscsiPort = freePort();
    int adminPort = freePort();
    String conf = Files.readString(CONF)
        .replace("iscsi-listen = 0.0.0.0:3260", "iscsi-listen = 127.0.0.1:" + iscsiPort)
        .replace("admin-listen = 127.0.0.1:8080", "admin-listen = 127.0.0.1:" + adminPort);
    Files.writeString(CONF, conf);

    giveCredential();

    Process gateway = startLikeSystemd(unit);
    Path log = tmp.resolve("service.err");
    int status;
    try {
      String portal = Commands.portal(gateway, log);
      assertEquals("127.0.0.1:" + iscsiPort, portal);
      String created = run("tiergate", "New-Volume", "-Name", "pkg", "-Size", "16MiB",
          "--data-dir", DATA.toString());
      assertTrue(created.contains("iqn.2026-11.io.tiergate:pkg"), created);
      String targets = run("iscsi-ls", "iscsi://" + portal + "/");
      assertTrue(targets.contains("iqn.2026-11.io.tiergate:pkg"), targets);
      Path image = Commands.randomImage(tmp.resolve("image.raw"), LUN_BYTES, 2);
      Commands.qemuRoundTrip(image, "iscsi://" + portal + "/iqn.2026-11.io.tiergate:pkg/0",
          tmp.resolve("back.raw"));
    } finally {
      status = Commands.stop(gateway);
    }
    String logged = Files.readString(log);
    assertTrue(status == 0 || status == 143, "exit status " + status + "\n" + logged);
    // The passphrase came from the credential: no demo passphrase beside the data.
    assertFalse(Files.exists(DATA.resolve("demo-passphrase")), logged);
    assertFalse(logged.contains("package test passphrase"), "the passphrase was logged");
    // Everything the service wrote is its own and, with UMask=0077, private.
    try (Stream<Path> s = Files.walk(DATA)) {
      for (Path f : s.filter(f -> !f.equals(DATA)).toList()) {
        PosixFileAttributes a = Files.readAttributes(f, PosixFileAttributes.class,
            LinkOption.NOFOLLOW_LINKS);
        assertEquals(PKG, a.owner().getName(), f + " owner");
        assertTrue(PosixFilePermissions.toString(a.permissions()).endsWith("---"),
            f + " is open to others: " + PosixFilePermissions.toString(a.permissions()));
      }
    }
    assertTrue(Files.exists(DATA.resolve("keyring")));

    // remove keeps the data and the settings; purge deletes them and says what it deletes.
    String removed = run("dpkg", "-r", PKG);
    assertFalse(Files.exists(launcher), "remove takes the program away");
    assertTrue(Files.exists(DATA.resolve("keyring")), "remove keeps the data: " + removed);
    assertTrue(Files.readString(CONF).contains("127.0.0.1:" + iscsiPort), "and the settings");
    assertTrue(removed.contains("Kept: the data in /var/lib/tiergate"), removed);
    String purged = run("dpkg", "-P", PKG);
    assertTrue(purged.contains("purge deletes /var/lib/tiergate"), purged);
    assertFalse(Files.exists(DATA), "purge deletes the data");
    assertFalse(Files.exists(CONF.getParent()), "and /etc/tiergate");
    assertFalse(installed());
  }

  /**
   * The package's upgrade path: this build installed over the same package given a lower
   * version (there is no earlier release to take), with a volume holding data, an edited
   * conffile and a passphrase credential. The upgrade runs prerm upgrade and postinst
   * configure OLD-VERSION, keeps the edited conffile without asking (the packaged one did not
   * change), and the service comes back with the volume reading back identical.
   */
  @Test
  void upgradeKeepsTheDataAndTheConffileEdits() throws Exception {
    Path raw = tmp.resolve("previous");
    run("dpkg-deb", "-R", deb.toString(), raw.toString());
    Path control = raw.resolve("DEBIAN/control");
    String version = run("dpkg-deb", "-f", deb.toString(), "Version").trim();
    String previous = version + "~previous1";
    Files.writeString(control, Files.readString(control)
        .replace("Version: " + version + "\n", "Version: " + previous + "\n"));
    Path previousDeb = tmp.resolve("tiergate_previous_amd64.deb");
    run("dpkg-deb", "-Zgzip", "-z1", "-b", raw.toString(), previousDeb.toString());
    run("dpkg", "-i", previousDeb.toString());
    assertEquals(previous, run("dpkg-query", "-W", "-f=${Version}", PKG).trim());

    int iscsiPort = freePort();
    String edited = Files.readString(CONF)
        .replace("iscsi-listen = 0.0.0.0:3260", "iscsi-listen = 127.0.0.1:" + iscsiPort)
        .replace("admin-listen = 127.0.0.1:8080", "admin-listen = 127.0.0.1:" + freePort())
        + "# edited by the administrator\n";
    Files.writeString(CONF, edited);
    giveCredential();
    String unit = Files.readString(UNIT);
    Path image = Commands.randomImage(tmp.resolve("image.raw"), LUN_BYTES, 5);
    Process gateway = startLikeSystemd(unit);
    try {
      String portal = Commands.portal(gateway, tmp.resolve("service.err"));
      run("tiergate", "New-Volume", "-Name", "kept", "-Size", "16MiB", "--data-dir",
          DATA.toString());
      run("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", image.toString(),
          "iscsi://" + portal + "/iqn.2026-11.io.tiergate:kept/0");
    } finally {
      Commands.stop(gateway);
    }

    String upgraded = run("dpkg", "-i", deb.toString());
    assertEquals(version, run("dpkg-query", "-W", "-f=${Version}", PKG).trim(), upgraded);
    assertEquals(edited, Files.readString(CONF), "the conffile edits are kept");
    assertOwner(DATA, PKG, "rwxr-x---");

    gateway = startLikeSystemd(Files.readString(UNIT));
    try {
      String portal = Commands.portal(gateway, tmp.resolve("service.err"));
      assertEquals("127.0.0.1:" + iscsiPort, portal);
      Path back = tmp.resolve("back.raw");
      run("qemu-img", "convert", "-f", "raw", "-O", "raw",
          "iscsi://" + portal + "/iqn.2026-11.io.tiergate:kept/0", back.toString());
      assertEquals(-1, Files.mismatch(image, back), "the volume reads back after the upgrade");
    } finally {
      Commands.stop(gateway);
    }
  }

  /** The passphrase credential, as systemd would hand it over: the service user's alone. */
  private static void giveCredential() throws IOException {
    Files.createDirectories(CREDENTIALS);
    Path passphrase = Files.writeString(CREDENTIALS.resolve("passphrase"),
        "package test passphrase\n");
    run("chown", "-R", PKG + ":" + PKG, CREDENTIALS.toString());
    run("chmod", "0500", CREDENTIALS.toString());
    run("chmod", "0400", passphrase.toString());
  }

  @Test
  void lintianFindsNothingUnexplained() {
    // Every tag down to info and pedantic fails; each one that remains is explained in the
    // shipped overrides.
    installedByUs = false;
    String out = run("lintian", "--no-cfg", "--info", "--pedantic",
        "--fail-on", "error,warning,info,pedantic", deb.toString());
    assertFalse(out.lines().anyMatch(l -> l.matches("^[EWIPX]: .*")), out);
  }

  /**
   * The unit's ExecStart, started as systemd starts it: as User/Group with no capability but
   * CAP_NET_BIND_SERVICE kept through NoNewPrivileges, in WorkingDirectory, with UMask,
   * LimitNOFILE and the credentials directory; standard error to {@code service.err}.
   */
  private Process startLikeSystemd(String unit) throws IOException {
    Map<String, String> keys = new LinkedHashMap<>();
    unit.lines().filter(l -> l.matches("^[A-Za-z]+=.*")).forEach(l -> {
      int eq = l.indexOf('=');
      keys.putIfAbsent(l.substring(0, eq), l.substring(eq + 1));
    });
    String user = keys.get("User");
    // LimitNOFILE, or this sandbox's hard limit when that is lower (systemd would fail then).
    String script = "{ ulimit -n " + keys.get("LimitNOFILE") + " 2>/dev/null"
        + " || ulimit -n \"$(ulimit -Hn)\"; } && umask " + keys.get("UMask")
        + " && exec setpriv --reuid=" + user + " --regid=" + keys.get("Group")
        + " --init-groups --no-new-privs --inh-caps=-all --bounding-set=-all,+net_bind_service "
        + keys.get("ExecStart");
    ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", script)
        .directory(Path.of(keys.get("WorkingDirectory")).toFile())
        .redirectError(tmp.resolve("service.err").toFile());
    pb.environment().clear();
    pb.environment().putAll(Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "HOME",
        DATA.toString(), "USER", user, "LOGNAME", user, "CREDENTIALS_DIRECTORY",
        CREDENTIALS.toString()));
    return pb.start();
  }

  private static void assertOwner(Path p, String owner, String perms) throws IOException {
    PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class);
    assertEquals(owner, a.owner().getName(), p + " owner");
    assertEquals(owner, a.group().getName(), p + " group");
    assertEquals(perms, PosixFilePermissions.toString(a.permissions()), p + " mode");
  }

  private static boolean installed() {
    Commands.Result r = exec(Map.of(), "dpkg-query", "-W", "-f=${db:Status-Status}", PKG);
    // "installed", "config-files" after a remove, ...; an unknown package is status 1.
    String state = r.output().trim();
    return r.status() == 0 && !state.isEmpty() && !state.equals("not-installed");
  }

  private static boolean exists(String database) {
    return exec(Map.of(), "getent", database, PKG).status() == 0;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
