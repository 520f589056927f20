package io.tiergate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.gateway.Main;
import io.tiergate.gateway.admin.Json;
import io.tiergate.gateway.admin.TestGateway;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin CLI as an administrator runs it: each command is a separate {@code java ...
 * Main <cmdlet>} process (one through the {@code ./tiergate} script) against a running
 * gateway found through {@code --data-dir}; checks output, {@code -Json} parsing and exit
 * codes.
 */
class CliIT {
  @TempDir
  static Path tmp;
  static TestGateway gw;
  static String dd;

  record Result(int code, String out, String err) {
    Map<String, Object> json() {
      return Json.parseObject(out);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    gw = TestGateway.start(tmp.resolve("gw"));
    dd = "--data-dir=" + gw.dataDir;
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  static Result cli(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        Main.class.getName()));
    cmd.addAll(List.of(args));
    return exec(cmd);
  }

  static Result exec(List<String> cmd) throws Exception {
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(cmd + " timed out");
    }
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  @Test
  @SuppressWarnings("unchecked")
  void volumeLifecycleWithTablesJsonAndCaseInsensitiveNames() throws Exception {
    Result created = cli("new-volume", "-NAME", "CliVol", "-size", "1GiB", "-tiered", dd);
    assertEquals(0, created.code(), created.err());
    assertTrue(created.out().contains("Created volume clivol: 1 GiB thin, 64 KiB chunks, tiered,"
        + " target iqn.2026-11.io.tiergate:clivol LUN 0 at " + gw.portal()), created.out());

    Result table = cli("Get-Volume", dd);
    assertEquals(0, table.code(), table.err());
    assertTrue(table.out().startsWith("Name "), table.out());
    assertTrue(table.out().contains("clivol 1 GiB"), table.out());
    assertTrue(table.out().contains("iqn.2026-11.io.tiergate:demo"), table.out());

    Result json = cli("Get-Volume", "clivol", "-Json", dd);
    assertEquals(0, json.code(), json.err());
    Map<String, Object> v = json.json();
    assertEquals("clivol", v.get("name"));
    assertEquals(true, v.get("tiered"));
    assertEquals(1L << 30, v.get("sizeBytes"));

    Result all = cli("GET-VOLUME", "-json", dd);
    List<Object> vols = (List<Object>) all.json().get("volumes");
    assertEquals(2, vols.size(), all.out());

    assertEquals(0, cli("Set-Volume", "clivol", "-Size", "2GiB", "-Acl",
        "iqn.1994-05.com.redhat:a,iqn.1994-05.com.redhat:b", "-ChapUser", "u",
        "-ChapSecret", "twelve chars", dd).code());
    Map<String, Object> after = cli("Get-Volume", "-Name", "clivol", "-Json", dd).json();
    assertEquals(2L << 30, after.get("sizeBytes"));
    assertEquals(2, ((List<Object>) after.get("acl")).size());
    assertEquals(true, ((Map<String, Object>) after.get("chap")).get("enabled"));

    Result removed = cli("Remove-Volume", "clivol", dd);
    assertEquals(0, removed.code(), removed.err());
    assertEquals(3, cli("Get-Volume", "clivol", dd).code());
  }

  @Test
  void exitCodesSayWhatWentWrong() throws Exception {
    Result dup = cli("New-Volume", "-Name", "demo", "-Size", "1GiB", dd);
    assertEquals(4, dup.code());
    assertTrue(dup.err().contains("volume exists: demo"), dup.err());
    Result badSize = cli("New-Volume", "-Name", "x", "-Size", "huge", dd);
    assertEquals(2, badSize.code());
    assertTrue(badSize.err().contains("(parameter: size)"), badSize.err());
    for (String size : List.of("4000PiB", "65TiB", "1000", "1.3KiB")) {
      Result r = cli("New-Volume", "-Name", "x", "-Size", size, dd);
      assertEquals(2, r.code(), size + ": " + r.err());
      assertTrue(r.err().contains("(parameter: size)"), r.err());
    }
    Result badGrow = cli("Set-Volume", "demo", "-Size", "4000PiB", dd);
    assertEquals(2, badGrow.code(), badGrow.err());
    assertTrue(badGrow.err().contains("at most 64 TiB"), badGrow.err());
    Result badParam = cli("Get-Volume", "-Colour", "red", dd);
    assertEquals(2, badParam.code());
    assertTrue(badParam.err().contains("Colour"), badParam.err());
    assertEquals(2, cli("New-Volume", "-Name", "x", dd).code());
    assertEquals(2, cli("Frobnicate-Volume", dd).code());
    assertEquals(3, cli("Remove-Volume", "nothing", dd).code());
    // The default cloud tier (a folder in the data directory) answers the cloud cmdlets.
    Result cloud = cli("Start-CloudSync", "-Wait", dd);
    assertEquals(0, cloud.code(), cloud.err());
    for (String c : List.of("Test-CloudConnection", "Clear-Cache")) {
      assertEquals(0, cli(c, dd).code(), c);
    }
    assertEquals(0, cli("Set-BandwidthLimit", "20MB/s", dd).code());
    assertEquals(0, cli("Set-BandwidthLimit", "0", dd).code());
    Result noFile = cli("Set-CloudCredential", "-ConnectionStringFile", "no-such-file", dd);
    assertEquals(2, noFile.code(), noFile.err());
    assertTrue(noFile.err().contains("cannot read no-such-file"), noFile.err());
    Result noTerminal = cli("Set-CloudCredential", "-StorageAccountName", "contoso", dd);
    assertEquals(2, noTerminal.code(), "no terminal to ask for the key: " + noTerminal.err());
    Path empty = Files.createDirectories(tmp.resolve("nothing-here"));
    Result none = cli("Get-ApplianceStatus", "--data-dir", empty.toString());
    assertEquals(6, none.code(), none.err());
    Result wrong = cli("Get-ApplianceStatus", "--server", gw.url.toString(), "--token",
        "tg_not-a-token", "--ca", gw.dataDir.resolve("admin/tls.crt").toString());
    assertEquals(5, wrong.code(), wrong.err());
  }

  @Test
  @SuppressWarnings("unchecked")
  void statusEventsTokensHelpAndSupportPackage() throws Exception {
    Result status = cli("Get-ApplianceStatus", dd);
    assertEquals(0, status.code(), status.err());
    assertTrue(status.out().contains("Dedup ratio"), status.out());
    assertTrue(status.out().contains("Cloud               : connected"), status.out());
    Map<String, Object> s = cli("Get-ApplianceStatus", "-Json", dd).json();
    assertEquals("running", s.get("state"));

    Result events = cli("Get-Event", "-Limit", "5", "-Json", dd);
    assertEquals(0, events.code(), events.err());
    assertFalse(((List<Object>) events.json().get("events")).isEmpty());

    Result token = cli("New-ApiToken", "-Name", "scripts", "-ReadOnly", "-Json", dd);
    assertEquals(0, token.code(), token.err());
    String t = (String) token.json().get("token");
    String[] remote = {"--server", gw.url.toString(), "--token", t, "--ca",
        gw.dataDir.resolve("admin/tls.crt").toString()};
    List<String> get = new ArrayList<>(List.of("Get-ApplianceStatus", "-Json"));
    get.addAll(List.of(remote));
    assertEquals(0, cli(get.toArray(String[]::new)).code());
    List<String> create = new ArrayList<>(List.of("New-Volume", "-Name", "ro", "-Size", "1GiB"));
    create.addAll(List.of(remote));
    assertEquals(5, cli(create.toArray(String[]::new)).code(), "read-only token may not create");
    assertTrue(cli("Get-ApiToken", dd).out().contains("scripts"));

    Result help = cli("Get-Help", "new-volume", dd);
    assertEquals(0, help.code());
    assertTrue(help.out().contains("SYNTAX") && help.out().contains("EXAMPLES")
        && help.out().contains("-Size <Size>") && help.out().contains("PS> ./tiergate New-Volume"),
        help.out());
    assertTrue(cli("Get-Help").out().contains("Invoke-SetupWizard"));

    Path zip = tmp.resolve("support.zip");
    Result bundle = cli("Export-SupportPackage", "-Path", zip.toString(), dd);
    assertEquals(0, bundle.code(), bundle.err());
    try (ZipFile z = new ZipFile(zip.toFile())) {
      assertTrue(z.getEntry("metrics.txt") != null && z.getEntry("events.jsonl") != null);
    }
    // Appliance settings, events and logs: owner-only, also under a permissive umask's default.
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(zip)));
  }

  @Test
  @SuppressWarnings("unchecked")
  void bandwidthScheduleIsSetShownAndRefusedWithTheRightExitCodes() throws Exception {
    Result set = cli("Set-BandwidthSchedule", "-Rule",
        "Mon-Fri 09:00-17:00 10MB/s; Weekend 22:00-06:00 unlimited", "-Json", dd);
    assertEquals(0, set.code(), set.err());
    List<Object> rules = (List<Object>) set.json().get("rules");
    assertEquals(2, rules.size(), set.out());
    assertEquals(List.of("Sat", "Sun"), ((Map<String, Object>) rules.get(1)).get("days"));
    Result shown = cli("Get-BandwidthSchedule", dd);
    assertEquals(0, shown.code(), shown.err());
    assertTrue(shown.out().contains("Mon,Tue,Wed,Thu,Fri 09:00 17:00 9.5 MiB/s")
        || shown.out().contains("09:00 17:00"), shown.out());
    assertTrue(shown.out().contains("in force now"), shown.out());
    Map<String, Object> cloud = cli("Get-BandwidthSchedule", "-Json", dd).json();
    assertEquals(2, ((List<Object>) cloud.get("rules")).size());

    Result overlap = cli("Set-BandwidthSchedule", "-Rule",
        "Mon 09:00-12:00 1MB/s; Daily 11:00-13:00 2MB/s", dd);
    assertEquals(2, overlap.code(), overlap.err());
    assertTrue(overlap.err().contains("overlaps rules[0]") && overlap.err().contains(
        "(parameter: rules[1])"), overlap.err());
    Result badTime = cli("Set-BandwidthSchedule", "Mon 09:00-25:00 1MB/s", dd);
    assertEquals(2, badTime.code(), badTime.err());
    assertTrue(badTime.err().contains("rules[0].end"), badTime.err());
    assertEquals(2, cli("Set-BandwidthSchedule", "-Rule", "whenever", dd).code());
    assertEquals(2, cli("Set-BandwidthSchedule", dd).code());

    Path file = tmp.resolve("schedule.json");
    Files.writeString(file, "{\"rules\":[{\"days\":[\"Sun\"],\"start\":\"00:00\","
        + "\"end\":\"24:00\",\"limit\":1000000}]}");
    assertEquals(0, cli("Set-BandwidthSchedule", "-File", file.toString(), dd).code());
    assertEquals(1, ((List<Object>) cli("Get-BandwidthSchedule", "-Json", dd).json()
        .get("rules")).size());
    Result cleared = cli("Set-BandwidthSchedule", "-Clear", dd);
    assertEquals(0, cleared.code(), cleared.err());
    assertTrue(cleared.out().contains("No bandwidth schedule"), cleared.out());

    Result help = cli("Get-Help", "Set-BandwidthSchedule", dd);
    assertTrue(help.out().contains("PS> ./tiergate Set-BandwidthSchedule -Rule 'Mon-Fri "
        + "09:00-17:00 10MB/s'"), help.out());
    assertTrue(cli("Get-Help", "Set-CloudCredential", dd).out().contains(
        "-StorageAccountKeyFile <String>"));
  }

  @Test
  void theTiergateScriptRunsCmdletsAgainstTheLocalGateway() throws Exception {
    Path script = Path.of("..", "tiergate").toAbsolutePath().normalize();
    Result r = exec(List.of(script.toString(), "Get-Volume", "-Json", "--data-dir",
        gw.dataDir.toString()));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("\"demo\""), r.out());
  }

  @Test
  void setupWizardRunsUnattendedAndRefusesAWeakPassphrase() throws Exception {
    Path fresh = tmp.resolve("fresh");
    Result weak = cli("setup", "--data-dir", fresh.toString(), "-AdminPassword",
        "admin password 1", "-Passphrase", "short", "-NonInteractive");
    assertEquals(2, weak.code(), weak.out() + weak.err());
    assertTrue(weak.err().contains("passphrase too weak"), weak.err());
    Result missing = cli("Invoke-SetupWizard", "--data-dir", fresh.toString(), "-NonInteractive");
    assertEquals(2, missing.code());
    Result ok = cli("Invoke-SetupWizard", "--data-dir", fresh.toString(), "-AdminPassword",
        "admin password 1", "-Passphrase", "a long enough passphrase", "-IscsiListen",
        "127.0.0.1:3270", "-AdminListen", "127.0.0.1:8470", "-NonInteractive");
    assertEquals(0, ok.code(), ok.out() + ok.err());
    String conf = Files.readString(fresh.resolve("tiergate.conf"));
    assertTrue(conf.contains("iscsi-listen = 127.0.0.1:3270"), conf);
    assertTrue(conf.contains("admin-listen = 127.0.0.1:8470"), conf);
    assertTrue(conf.contains("passphrase-file = " + fresh.toAbsolutePath().resolve("passphrase")),
        conf);
    assertEquals("a long enough passphrase",
        Files.readString(fresh.resolve("passphrase")).trim());
    assertEquals("rw-------", PosixFilePermissions.toString(
        Files.getPosixFilePermissions(fresh.resolve("passphrase"))));
    assertFalse(Files.readString(fresh.resolve("admin/credentials.json"))
        .contains("admin password 1"));
    assertFalse(ok.out().contains("a long enough passphrase"), "secret echoed");
  }

  @Test
  void connectApplianceSavesAProfileThatLaterCommandsUse() throws Exception {
    assertEquals(200, gw.admin("PUT", "/api/v1/security/password",
        "{\"new\":\"cli admin password\"}").status());
    Path home = Files.createDirectories(tmp.resolve("profile-home"));
    Path nowhere = Files.createDirectories(tmp.resolve("no-local-gateway"));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("java.class.path");
    Result wrong = exec(List.of(java, "-Duser.home=" + home, "-cp", cp, Main.class.getName(),
        "Connect-Appliance", "-Server", gw.url.toString(), "-CertificateFile",
        gw.dataDir.resolve("admin/tls.crt").toString(), "-Password", "not the password"));
    assertEquals(5, wrong.code(), wrong.err());
    Result ok = exec(List.of(java, "-Duser.home=" + home, "-cp", cp, Main.class.getName(),
        "Connect-Appliance", "-Server", gw.url.toString(), "-CertificateFile",
        gw.dataDir.resolve("admin/tls.crt").toString(), "-Password", "cli admin password"));
    assertEquals(0, ok.code(), ok.err());
    Path profile = home.resolve(".tiergate/profile.json");
    assertEquals("rw-------", PosixFilePermissions.toString(
        Files.getPosixFilePermissions(profile)));
    assertFalse(Files.readString(profile).contains("cli admin password"));
    Result status = exec(List.of(java, "-Duser.home=" + home, "-cp", cp, Main.class.getName(),
        "Get-ApplianceStatus", "-Json", "--data-dir", nowhere.toString()));
    assertEquals(0, status.code(), status.err());
    assertEquals("running", status.json().get("state"));
  }

  @Test
  void shellRunsCmdletsFromInputAndKeepsHistory() throws Exception {
    Path home = Files.createDirectories(tmp.resolve("home"));
    Path input = tmp.resolve("shell-input.txt");
    Files.writeString(input, "get-volume -name demo\nRemove-Volume nothing\nexit\n");
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-Duser.home=" + home, "-cp", System.getProperty("java.class.path"),
        Main.class.getName(), "shell", dd));
    Path out = tmp.resolve("shell-out.txt");
    Process p = new ProcessBuilder(cmd).redirectInput(input.toFile())
        .redirectOutput(out.toFile()).redirectErrorStream(true).start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    String text = Files.readString(out);
    assertEquals(0, p.exitValue(), text);
    assertTrue(text.contains("iqn.2026-11.io.tiergate:demo"), text);
    assertTrue(text.contains("no volume nothing"), text);
    String history = Files.readString(home.resolve(".tiergate_history"));
    assertTrue(history.contains("get-volume -name demo"), history);
  }

  @Test
  void shellCompletesCmdletsParametersAndVolumeNames() {
    Context ctx = new Context(new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(new ByteArrayOutputStream()), Context.consolePrompter());
    ctx.dataDir = gw.dataDir;
    Shell.CmdletCompleter c = new Shell.CmdletCompleter(ctx);
    assertTrue(c.candidates(List.of(""), 0).containsAll(List.of("Get-Volume", "New-Volume",
        "Invoke-SetupWizard", "Get-Help")));
    assertTrue(c.candidates(List.of("New-Volume", "-"), 1).containsAll(List.of("-Name", "-Size",
        "-Tiered", "-Pinned", "-Json", "--data-dir")));
    assertTrue(c.candidates(List.of("remove-volume", "-Name", ""), 2).contains("demo"));
    assertTrue(c.candidates(List.of("Get-Volume", ""), 1).contains("demo"));
    assertTrue(c.candidates(List.of("Get-Help", ""), 1).contains("Set-Passphrase"));
    // The shell runs a line of words the same way as the command line does.
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Context run = new Context(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(new ByteArrayOutputStream()), Context.consolePrompter());
    run.dataDir = gw.dataDir;
    assertEquals(0, Cli.execute(List.of("Get-Volume", "-Name", "demo"), run));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("demo"));
  }
}
