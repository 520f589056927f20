package io.tiergate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commands on a data directory whose gateway (a real {@code Main run} child process) is
 * starting or runs without an admin API: they notice it by its database lock before anything
 * is said about passphrases, wait for a starting gateway's API, and say why when there is
 * none; the banner appears only once every listener answers.
 */
class StartingGatewayIT {
  @TempDir
  Path tmp;
  Path data;
  Path passphrase;
  Process gateway;

  record Result(int code, String out, String err) {}

  @BeforeEach
  void initialise() throws Exception {
    data = tmp.resolve("data");
    passphrase = tmp.resolve("passphrase");
    Files.writeString(passphrase, "correct horse battery staple\n");
    // A data directory made with its own passphrase, not the demo one.
    Result r = main("New-Volume", "-Name", "first", "-Size", "1GiB", "--data-dir",
        data.toString(), "--passphrase-file", passphrase.toString());
    assertEquals(0, r.code(), r.err());
  }

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      gateway.destroy();
      if (!gateway.waitFor(30, TimeUnit.SECONDS)) {
        gateway.destroyForcibly();
        fail("gateway did not stop within 30 s of SIGTERM");
      }
    }
  }

  private static Result main(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(code, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
  }

  private Process start(String adminListen) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run",
        "--data-dir", data.toString(), "--iscsi-listen", "127.0.0.1:0", "--admin-listen",
        adminListen, "--passphrase-file", passphrase.toString()));
    return new ProcessBuilder(cmd).redirectError(tmp.resolve("stderr.txt").toFile()).start();
  }

  /** Reads the banner up to its last line; returns it. */
  private static String banner(Process p) throws IOException {
    BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
        StandardCharsets.UTF_8));
    StringBuilder b = new StringBuilder();
    for (String line; (line = r.readLine()) != null; ) {
      b.append(line).append('\n');
      if (line.startsWith("Stop with Ctrl-C")) {
        return b.toString();
      }
    }
    fail("the gateway exited before its banner:\n" + b);
    return null;
  }

  @Test
  void aGatewayWithoutAdminApiIsNamedBeforeAnyPassphrase() throws Exception {
    gateway = start("off");
    String banner = banner(gateway);
    assertTrue(banner.contains("not serving (off)"), banner);

    // The cmdlet, with the demo passphrase that would not open this key ring.
    Result r = main("New-Volume", "-Name", "second", "-Size", "1GiB", "--data-dir",
        data.toString());
    assertEquals(6, r.code(), r.err());
    assertTrue(r.err().contains("serves no admin API (--admin-listen off)"), r.err());
    assertFalse(r.err().contains("passphrase"), r.err());
    assertFalse(Files.exists(data.resolve("demo-passphrase")), "no demo passphrase made");

    // The direct mode itself, with a wrong passphrase: the running gateway comes first.
    Path wrong = tmp.resolve("wrong");
    Files.writeString(wrong, "not the passphrase at all\n");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Gateway.open(
        new GatewayConfig(data, "127.0.0.1", 0, "off", wrong, Long.MAX_VALUE)));
    assertTrue(e.getMessage().contains("is in use by a running gateway"), e.getMessage());
    assertFalse(e.getMessage().contains("passphrase"), e.getMessage());

    // A second gateway on the same directory refuses at once, and leaves the log alone.
    long logged = Files.size(data.resolve("logs").resolve("gateway.log"));
    Result second = main("run", "--data-dir", data.toString(), "--iscsi-listen", "127.0.0.1:0",
        "--admin-listen", "off", "--passphrase-file", passphrase.toString());
    assertEquals(1, second.code(), second.err());
    assertTrue(second.err().contains("is in use by a running gateway"), second.err());
    assertEquals(logged, Files.size(data.resolve("logs").resolve("gateway.log")));

    stop();
    gateway = null;
    // Stopped: the direct mode works again and sees the volume.
    Result listed = main("Get-Volume", "--data-dir", data.toString(), "--passphrase-file",
        passphrase.toString());
    assertEquals(0, listed.code(), listed.err());
    assertTrue(listed.out().contains("first"), listed.out());
  }

  @Test
  void aBannerForAPortalOnAllAddressesGivesAddressesThatWork() throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "run",
        "--data-dir", data.toString(), "--iscsi-listen", "0.0.0.0:0", "--admin-listen", "off",
        "--passphrase-file", passphrase.toString()));
    gateway = new ProcessBuilder(cmd).redirectError(tmp.resolve("stderr.txt").toFile()).start();
    String banner = banner(gateway);
    java.util.regex.Matcher m = java.util.regex.Pattern.compile(
        "iSCSI portal: 0\\.0\\.0\\.0:(\\d+) \\(all addresses; for example (.*)\\)")
        .matcher(banner);
    assertTrue(m.find(), banner);
    String[] shown = m.group(2).split(", ");
    assertEquals("127.0.0.1:" + m.group(1), shown[shown.length - 1], banner);
    assertFalse(banner.contains("<this-host>"), banner);
    // The commands to paste use the first, and it answers.
    assertTrue(banner.contains("iscsi-ls iscsi://" + shown[0] + "/"), banner);
    for (String p : shown) {
      String host = p.substring(0, p.lastIndexOf(':')).replaceAll("[\\[\\]]", "");
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(host, Integer.parseInt(m.group(1))), 2000);
      }
    }
  }

  @Test
  void aCmdletWaitsForAGatewayThatIsStarting() throws Exception {
    gateway = start("127.0.0.1:0");
    // The database is open (the lock is held) before the admin server listens.
    Path log = data.resolve("logs").resolve("gateway.log");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!(Files.exists(log) && Files.readString(log).contains("opened key-value store"))) {
      assertTrue(gateway.isAlive(), "the gateway exited");
      assertTrue(System.nanoTime() < deadline, "the gateway did not open its database");
      Thread.sleep(5);
    }
    boolean apiUp = Files.exists(data.resolve("admin").resolve("endpoint"));
    Result r = main("New-Volume", "-Name", "waited", "-Size", "1GiB", "--data-dir",
        data.toString());
    assertEquals(0, r.code(), r.out() + r.err());
    if (!apiUp) {
      assertTrue(r.err().contains("a gateway is starting on"), r.err());
    }
    assertTrue(r.out().contains("Created volume waited"), r.out());
    assertFalse(Files.exists(data.resolve("demo-passphrase")), "went through the API");

    Result listed = main("Get-Volume", "--data-dir", data.toString(), "-Json");
    assertEquals(0, listed.code(), listed.err());
    assertTrue(listed.out().contains("\"waited\"") && listed.out().contains("\"first\""),
        listed.out());
  }

  @Test
  void theBannerComesOnceEveryListenerAnswers() throws Exception {
    gateway = start("127.0.0.1:0");
    String banner = banner(gateway);
    assertTrue(banner.contains("iSCSI portal: 127.0.0.1:"), banner);
    String endpoint = Files.readString(data.resolve("admin").resolve("endpoint")).trim();
    assertTrue(banner.contains("admin API and web UI: " + endpoint), banner);
    URI admin = URI.create(endpoint);
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(admin.getHost(), admin.getPort()), 2000);
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("iSCSI portal: (\\S+):(\\d+)")
        .matcher(banner);
    assertTrue(m.find(), banner);
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2))), 2000);
    }
  }
}
