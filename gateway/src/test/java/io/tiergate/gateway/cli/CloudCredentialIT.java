package io.tiergate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.gateway.Main;
import io.tiergate.gateway.admin.Json;
import io.tiergate.tiering.testing.Azurite;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cloud credentials as an administrator changes them, against real Azurite with two custom
 * accounts ({@code AZURITE_ACCOUNTS}): account {@code tgone} with two keys, so that a key
 * rotation can be shown, and an empty account {@code tgtwo}. A gateway runs as its own
 * process ({@code Main run}, logging at info into a file), data goes in and out over iSCSI
 * with qemu-img, and every cmdlet is a separate process. Checked: a move from the default
 * directory to Azure while nothing is in the cloud, a key rotation on the same store, a wrong
 * key (exit 1), an empty account or container once data is in the cloud (exit 4), cold reads
 * through the new credentials before and after a restart, and that no key appears in the
 * log, the API's answers, the event log or the support package. Then the setup wizard, both
 * unattended and with a wrong key typed at its prompt.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CloudCredentialIT {
  static final String KEY1 = randomKey();
  static final String KEY2 = randomKey();
  static final String KEY3 = randomKey();
  static final String WRONG = randomKey();
  static final String PASSPHRASE = "credential test passphrase";

  @TempDir
  static Path tmp;
  static Azurite azurite;
  static Process gateway;
  static Path data;
  static Path log;
  static String portal;
  static byte[] written;
  static final List<String> answers = new ArrayList<>();

  record Result(int code, String out, String err) {
    Map<String, Object> json() {
      return Json.parseObject(out);
    }
  }

  static String randomKey() {
    byte[] b = new byte[64];
    new SecureRandom().nextBytes(b);
    return Base64.getEncoder().encodeToString(b);
  }

  static String endpoint(String account) {
    return "http://127.0.0.1:" + azurite.port() + "/" + account;
  }

  static String connectionString(String account, String key) {
    return "DefaultEndpointsProtocol=http;AccountName=" + account + ";AccountKey=" + key
        + ";BlobEndpoint=" + endpoint(account) + ";";
  }

  @BeforeAll
  static void start() throws Exception {
    azurite = new Azurite(tmp.resolve("azurite"))
        .accounts("tgone:" + KEY1 + ":" + KEY2 + ";tgtwo:" + KEY3).start();
    data = tmp.resolve("gw");
    Files.writeString(tmp.resolve("passphrase"), PASSPHRASE + "\n");
    log = tmp.resolve("gateway.log");
    startGateway();
  }

  @AfterAll
  static void stop() throws Exception {
    stopGateway();
    if (azurite != null) {
      azurite.close();
    }
  }

  static void startGateway() throws Exception {
    Path out = tmp.resolve("gateway-" + System.nanoTime() + ".out");
    List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx384m", "-cp",
        System.getProperty("java.class.path"), Main.class.getName(), "run", "--data-dir",
        data.toString(), "--iscsi-listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--passphrase-file", tmp.resolve("passphrase").toString()));
    gateway = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
        .start();
    Pattern p = Pattern.compile("iSCSI portal: (\\S+)");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      assertTrue(gateway.isAlive(), "gateway exited: " + Files.readString(out));
      Matcher m = p.matcher(Files.readString(out));
      if (m.find() && Files.exists(data.resolve("admin/endpoint"))) {
        portal = m.group(1);
        logFiles.add(out);
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("gateway did not start: " + Files.readString(out));
  }

  static final List<Path> logFiles = new ArrayList<>();

  static void stopGateway() throws Exception {
    if (gateway != null) {
      gateway.destroy(); // SIGTERM: a clean stop
      assertTrue(gateway.waitFor(60, TimeUnit.SECONDS));
      gateway = null;
    }
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  static Result cli(String stdin, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx256m", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    Path in = Files.writeString(Files.createTempFile(tmp, "in", ".txt"),
        stdin == null ? "" : stdin + "\n");
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    Process p = new ProcessBuilder(cmd).redirectInput(in.toFile()).redirectOutput(out.toFile())
        .redirectError(err.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(cmd + " timed out");
    }
    Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    answers.add(r.out());
    answers.add(r.err());
    return r;
  }

  static String dd() {
    return "--data-dir=" + data;
  }

  static Path secretFile(String name, String content) throws IOException {
    return Files.writeString(tmp.resolve(name), content + "\n");
  }

  static void qemu(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("qemu-img"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "qemu-img timed out");
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
  }

  static String lun() {
    return "iscsi://" + portal + "/iqn.2026-11.io.tiergate:demo/0";
  }

  /** Reads the first bytes of the demo volume over iSCSI, after evicting every clean chunk. */
  static byte[] readBackCold() throws Exception {
    Result evict = cli(null, "Clear-Cache", "-Json", dd());
    assertEquals(0, evict.code(), evict.err());
    Path back = tmp.resolve("back-" + System.nanoTime() + ".img");
    qemu("dd", "-f", "raw", "-O", "raw", "bs=1M", "count=" + (written.length >> 20),
        "if=" + lun(), "of=" + back);
    byte[] all = readPrefix(back, written.length);
    Files.delete(back);
    return all;
  }

  static byte[] readPrefix(Path file, int n) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(n);
    }
  }

  @Test
  @Order(1)
  void withNothingInTheCloudTheDefaultDirectoryGivesWayToAzure() throws Exception {
    Result r = cli(KEY1, "Set-CloudCredential", "-StorageAccountName", "tgone",
        "-StorageAccountKeyFile", "-", "-BlobEndpoint", endpoint("tgone"), "-Container",
        "vault", "-Json", dd());
    assertEquals(0, r.code(), r.err());
    assertTrue(((String) r.json().get("target")).contains("vault"), r.out());
    assertEquals("tgone", r.json().get("account"));
    Path secret = data.resolve("admin/cloud-connection-string");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)));
    assertTrue(Files.readString(secret).contains(KEY1));
    String conf = Files.readString(data.resolve("admin/cloud.conf"));
    assertTrue(conf.contains("cloud = azure") && conf.contains("container = vault"), conf);
    assertFalse(conf.contains(KEY1), conf);

    // Data in, over iSCSI, and up to the new container.
    written = new byte[4 << 20];
    new Random(3).nextBytes(written);
    Path img = tmp.resolve("data.img");
    Files.write(img, written);
    qemu("convert", "-n", "-O", "raw", img.toString(), lun());
    Result sync = cli(null, "Start-CloudSync", "-Wait", "-Json", dd());
    assertEquals(0, sync.code(), sync.err());
    assertTrue(((Number) sync.json().get("uploadedChunks")).longValue() > 0, sync.out());
  }

  @Test
  @Order(2)
  void aRotatedKeyForTheSameStoreIsAcceptedAndUsedAtOnce() throws Exception {
    Path cs = secretFile("rotated.txt", connectionString("tgone", KEY2));
    Result r = cli(null, "Set-CloudCredential", "-ConnectionStringFile", cs.toString(),
        "-Container", "vault", dd());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("Cloud tier now on"), r.out());
    assertTrue(Files.readString(data.resolve("admin/cloud-connection-string")).contains(KEY2));
    assertArrayEquals(written, readBackCold(), "cold reads through the rotated key");
    Result test = cli(null, "Test-CloudConnection", "-Json", dd());
    assertEquals(0, test.code(), test.err());
    assertEquals(true, test.json().get("reachable"));
  }

  @Test
  @Order(3)
  void aSasTokenForTheSameContainerIsAcceptedToo() throws Exception {
    var service = new com.azure.storage.blob.BlobServiceClientBuilder()
        .endpoint(endpoint("tgone"))
        .credential(new com.azure.storage.common.StorageSharedKeyCredential("tgone", KEY1))
        .buildClient();
    String sas = service.generateAccountSas(
        new com.azure.storage.common.sas.AccountSasSignatureValues(
            java.time.OffsetDateTime.now().plusDays(1),
            com.azure.storage.common.sas.AccountSasPermission.parse("rwdlac"),
            com.azure.storage.common.sas.AccountSasService.parse("b"),
            com.azure.storage.common.sas.AccountSasResourceType.parse("sco")));
    sasSignature = sas.replaceFirst(".*sig=", "").replaceFirst("&.*", "");
    Result r = cli(sas, "Set-CloudCredential", "-SasTokenFile", "-", "-StorageAccountName",
        "tgone", "-BlobEndpoint", endpoint("tgone"), "-Container", "vault", "-Json", dd());
    assertEquals(0, r.code(), r.err());
    assertEquals("tgone", r.json().get("account"), r.out());
    assertTrue(Files.readString(data.resolve("admin/cloud-connection-string"))
        .contains("SharedAccessSignature="));
    assertArrayEquals(written, readBackCold(), "cold reads through the SAS");
    // Back to the rotated key for what follows.
    Result back = cli(null, "Set-CloudCredential", "-ConnectionStringFile",
        tmp.resolve("rotated.txt").toString(), "-Container", "vault", dd());
    assertEquals(0, back.code(), back.err());
  }

  static String sasSignature = "";

  @Test
  @Order(4)
  void aWrongKeyAnEmptyAccountOrAnEmptyContainerAreRefused() throws Exception {
    Path wrong = secretFile("wrong.txt", WRONG);
    Result bad = cli(null, "Set-CloudCredential", "-StorageAccountName", "tgone",
        "-StorageAccountKeyFile", wrong.toString(), "-BlobEndpoint", endpoint("tgone"),
        "-Container", "vault", dd());
    assertEquals(1, bad.code(), bad.out() + bad.err());
    assertTrue(bad.err().contains("refused the credentials"), bad.err());

    Path other = secretFile("other.txt", connectionString("tgtwo", KEY3));
    Result empty = cli(null, "Set-CloudCredential", "-ConnectionStringFile", other.toString(),
        "-Container", "vault", dd());
    assertEquals(4, empty.code(), empty.out() + empty.err());
    assertTrue(empty.err().contains("Switching would strand every chunk"), empty.err());

    Result container = cli(null, "Set-CloudCredential", "-ConnectionStringFile",
        secretFile("same.txt", connectionString("tgone", KEY1)).toString(), "-Container",
        "elsewhere", dd());
    assertEquals(4, container.code(), container.err());
    assertTrue(container.err().contains("container elsewhere does not exist"), container.err());

    Result typo = cli(null, "Set-CloudCredential", "-StorageAccountName", "tgone",
        "-StorageAccountKeyFile", wrong.toString(), "-Container", "No_Such", dd());
    assertEquals(2, typo.code(), typo.err());
    assertTrue(typo.err().contains("(parameter: container)"), typo.err());

    // Still on the rotated key: nothing was changed.
    assertTrue(Files.readString(data.resolve("admin/cloud-connection-string")).contains(KEY2));
    Result probe = cli(null, "Test-CloudConnection", "-ConnectionStringFile", other.toString(),
        "-Container", "vault", "-Json", dd());
    assertEquals(0, probe.code(), probe.err());
    assertEquals(false, probe.json().get("containerExists"), probe.out());
    assertEquals(false, probe.json().get("holdsThisAppliance"), probe.out());
    assertEquals(false, probe.json().get("acceptable"), probe.out());
  }

  @Test
  @Order(5)
  @SuppressWarnings("unchecked")
  void theCredentialsOutliveARestartAndNoKeyIsShownAnywhere() throws Exception {
    Result events = cli(null, "Get-Event", "-Limit", "1000", "-Category", "audit", "-Json", dd());
    assertEquals(0, events.code(), events.err());
    String audit = events.out();
    assertTrue(audit.contains("changed the cloud credentials: now Azure Blob account tgone, "
        + "container vault"), audit);
    Path zip = tmp.resolve("support.zip");
    assertEquals(0, cli(null, "Export-SupportPackage", "-Path", zip.toString(), dd()).code());
    String bundle = unzip(zip);
    assertTrue(bundle.contains("vault"), "the bundle says which container");

    stopGateway();
    startGateway();
    Result test = cli(null, "Test-CloudConnection", "-Json", dd());
    assertEquals(0, test.code(), test.err());
    assertTrue(((String) test.json().get("target")).contains("vault"), test.out());
    assertArrayEquals(written, readBackCold(), "cold reads after a restart");

    StringBuilder everything = new StringBuilder(bundle);
    for (Path f : logFiles) {
      everything.append(Files.readString(f));
    }
    everything.append(Files.readString(data.resolve("admin/events.jsonl")));
    try (Stream<Path> logs = Files.exists(data.resolve("logs"))
        ? Files.list(data.resolve("logs")) : Stream.empty()) {
      for (Path f : logs.toList()) {
        everything.append(Files.readString(f));
      }
    }
    everything.append(String.join("\n", answers));
    assertTrue(everything.toString().contains("cloud tier switched to"),
        "the log was captured at info level");
    assertTrue(sasSignature.length() > 20, "a SAS was issued");
    for (String key : List.of(KEY1, KEY2, KEY3, WRONG, sasSignature,
        java.net.URLDecoder.decode(sasSignature, StandardCharsets.UTF_8))) {
      assertFalse(everything.toString().contains(key), "a key leaked");
      assertFalse(everything.toString().contains(key.substring(0, 24)), "part of a key leaked");
    }
  }

  static String unzip(Path zip) throws IOException {
    StringBuilder b = new StringBuilder();
    try (ZipInputStream z = new ZipInputStream(Files.newInputStream(zip))) {
      for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
        b.append(new String(z.readAllBytes(), StandardCharsets.UTF_8)).append('\n');
      }
    }
    return b.toString();
  }

  @Test
  @Order(6)
  void setupTestsTheCloudBeforeSavingItUnattended() throws Exception {
    Path fresh = tmp.resolve("fresh");
    Path wrong = secretFile("wrong2.txt", WRONG);
    Result bad = cli(null, "setup", "--data-dir", fresh.toString(), "-AdminPassword",
        "admin password 1", "-Passphrase", "a long enough passphrase", "-Cloud", "Azure",
        "-StorageAccountName", "tgone", "-StorageAccountKeyFile", wrong.toString(),
        "-BlobEndpoint", endpoint("tgone"), "-Container", "fresh", "-NonInteractive");
    assertEquals(1, bad.code(), bad.out() + bad.err());
    assertTrue(bad.err().contains("refused the credentials"), bad.err());
    assertFalse(Files.exists(fresh.resolve("admin/cloud.conf")));
    assertFalse(Files.exists(fresh.resolve("tiergate.conf")));

    Result foreign = cli(null, "setup", "--data-dir", fresh.toString(), "-AdminPassword",
        "admin password 1", "-Passphrase", "a long enough passphrase", "-Cloud", "Azure",
        "-ConnectionStringFile", "-", "-Container", "vault", "-NonInteractive");
    assertEquals(2, foreign.code(), "nothing on stdin: " + foreign.err());

    Result taken = cli(connectionString("tgone", KEY1), "setup", "--data-dir",
        fresh.toString(), "-AdminPassword", "admin password 1", "-Passphrase",
        "a long enough passphrase", "-ConnectionStringFile", "-", "-Container", "vault",
        "-NonInteractive");
    assertEquals(4, taken.code(), taken.out() + taken.err());
    assertTrue(taken.err().contains("another appliance's keys"), taken.err());

    Result ok = cli(KEY1, "setup", "--data-dir", fresh.toString(), "-AdminPassword",
        "admin password 1", "-Passphrase", "a long enough passphrase", "-Cloud", "Azure",
        "-StorageAccountName", "tgone", "-StorageAccountKeyFile", "-", "-BlobEndpoint",
        endpoint("tgone"), "-Container", "fresh", "-IscsiListen", "127.0.0.1:3271",
        "-AdminListen", "127.0.0.1:8471", "-NonInteractive");
    assertEquals(0, ok.code(), ok.out() + ok.err());
    assertTrue(ok.out().contains("cloud tier: Azure Blob account tgone, container fresh"),
        ok.out());
    assertTrue(Files.readString(fresh.resolve("admin/cloud-connection-string")).contains(KEY1));
    assertFalse(Files.readString(fresh.resolve("tiergate.conf")).contains(KEY1));
    assertFalse(Files.readString(fresh.resolve("admin/cloud.conf")).contains(KEY1));
  }

  @Test
  @Order(7)
  void theWizardReportsAWrongKeyAndAsksAgain() throws Exception {
    Path dir = tmp.resolve("interactive");
    Deque<String> lines = new ArrayDeque<>(List.of("3", "tgone", endpoint("tgone"), "typed",
        "3", "tgone", endpoint("tgone"), "typed", "", ""));
    Deque<String> secrets = new ArrayDeque<>(List.of("admin password 1", "admin password 1",
        "a long enough passphrase", "a long enough passphrase", WRONG, KEY1));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Context ctx = new Context(new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), new Context.Prompter() {
          @Override
          public String line(String prompt) {
            return lines.removeFirst();
          }

          @Override
          public char[] secret(String prompt) {
            return secrets.removeFirst().toCharArray();
          }
        });
    int code = Cli.execute(List.of("setup", "--data-dir", dir.toString()), ctx);
    String o = out.toString(StandardCharsets.UTF_8);
    String e = err.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, o + e);
    assertTrue(e.contains("refused the credentials") && e.contains("Try again"), e);
    assertTrue(o.contains("cloud tier: Azure Blob account tgone, container typed"), o);
    assertTrue(lines.isEmpty() && secrets.isEmpty(), "every answer was used");
    assertFalse((o + e).contains(KEY1) || (o + e).contains(WRONG), "a key was echoed");
  }
}
