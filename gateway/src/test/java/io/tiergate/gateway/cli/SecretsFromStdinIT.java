package io.tiergate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.gateway.Main;
import io.tiergate.gateway.admin.Json;
import io.tiergate.gateway.admin.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every secret parameter takes {@code -} for a line of standard input, as the {@code *File}
 * parameters do: each cmdlet is a separate {@code Main} process fed on standard input,
 * against a real gateway; the secrets are then proven by using them (an admin login, an
 * iSCSI login with CHAP through libiscsi's iscsi-inq, the passphrase file).
 */
class SecretsFromStdinIT {
  @TempDir
  static Path tmp;
  static TestGateway gw;
  static String dd;

  record Result(int code, String out, String err) {}

  @BeforeAll
  static void start() throws Exception {
    gw = TestGateway.start(tmp.resolve("gw"));
    dd = "--data-dir=" + gw.dataDir;
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  static Result cli(String stdin, String... args) throws Exception {
    Path home = Files.createDirectories(tmp.resolve("home"));
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-XX:TieredStopAtLevel=1", "-Duser.home=" + home, "-cp",
        System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    return exec(stdin, cmd);
  }

  static Result exec(String stdin, List<String> cmd) throws Exception {
    Path in = Files.createTempFile(tmp, "in", ".txt");
    Files.writeString(in, stdin);
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
        .redirectInput(in.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(cmd + " timed out");
    }
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  private static int login(String password) {
    return gw.call("POST", "/api/v1/login", null,
        Json.encode(Map.of("password", password))).status();
  }

  @Test
  void adminPasswordsFromStandardInput() throws Exception {
    Result set = cli("stdin admin password\n", "Set-AdminPassword", "-NewPassword", "-", dd);
    assertEquals(0, set.code(), set.err());
    assertEquals(200, login("stdin admin password"));
    assertEquals(401, login("-"));

    // Both the current and the new one, in Get-Help's order.
    Result again = cli("stdin admin password\nsecond admin password\n", "Set-AdminPassword",
        "-CurrentPassword", "-", "-NewPassword", "-", dd);
    assertEquals(0, again.code(), again.err());
    assertEquals(200, login("second admin password"));

    Result connect = cli("second admin password\n", "Connect-Appliance", "-Server",
        gw.url.toString(), "-CertificateFile", gw.dataDir.resolve("admin/tls.crt").toString(),
        "-Password", "-");
    assertEquals(0, connect.code(), connect.err());

    Result empty = cli("", "Set-AdminPassword", "-NewPassword", "-", dd);
    assertEquals(2, empty.code(), empty.err());
    assertTrue(empty.err().contains("nothing on standard input"), empty.err());
  }

  @Test
  void aTokenFromStandardInput() throws Exception {
    Result r = cli(gw.localToken + "\n", "Get-ApplianceStatus", "-Json", "--server",
        gw.url.toString(), "--ca", gw.dataDir.resolve("admin/tls.crt").toString(), "--token",
        "-");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("\"state\":\"running\""), r.out());
  }

  @Test
  void chapSecretsFromStandardInput() throws Exception {
    Result r = cli("stdin-chap-12\n", "New-Volume", "-Name", "chapstdin", "-Size", "64MiB",
        "-ChapUser", "chapuser", "-ChapSecret", "-", dd);
    assertEquals(0, r.code(), r.err());
    String lun = "@" + gw.portal() + "/iqn.2026-11.io.tiergate:chapstdin/0";
    Result ok = exec("", List.of("iscsi-inq", "iscsi://chapuser%stdin-chap-12" + lun));
    assertEquals(0, ok.code(), ok.out() + ok.err());
    Result wrong = exec("", List.of("iscsi-inq", "iscsi://chapuser%-" + lun));
    assertNotEquals(0, wrong.code(), wrong.out());

    // Set-Volume reads it once too.
    Result changed = cli("second-chap-12\n", "Set-Volume", "chapstdin", "-ChapUser",
        "chapuser", "-ChapSecret", "-", dd);
    assertEquals(0, changed.code(), changed.err());
    Result now = exec("", List.of("iscsi-inq", "iscsi://chapuser%second-chap-12" + lun));
    assertEquals(0, now.code(), now.out() + now.err());
    Result old = exec("", List.of("iscsi-inq", "iscsi://chapuser%stdin-chap-12" + lun));
    assertNotEquals(0, old.code(), old.out());
  }

  @Test
  void passphrasesFromStandardInput() throws Exception {
    Result r = cli(TestGateway.PASSPHRASE + "\nanother long passphrase\n", "Set-Passphrase",
        "-CurrentPassphrase", "-", "-NewPassphrase", "-", dd);
    assertEquals(0, r.code(), r.err());
    assertEquals("another long passphrase", Files.readString(gw.passphraseFile).trim());
  }

  @Test
  void theSetupWizardsSecretsFromStandardInput() throws Exception {
    Path fresh = tmp.resolve("fresh");
    Result r = cli("wizard admin password\nwizard passphrase 12345\n", "Invoke-SetupWizard",
        "-AdminPassword", "-", "-Passphrase", "-", "-NonInteractive", "--data-dir",
        fresh.toString());
    assertEquals(0, r.code(), r.out() + r.err());
    assertEquals("wizard passphrase 12345", Files.readString(fresh.resolve("passphrase")).trim());
  }
}
