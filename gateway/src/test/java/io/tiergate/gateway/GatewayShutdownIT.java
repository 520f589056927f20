package io.tiergate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stop signal ends the real gateway process ({@code Main run}) with status 0 after a clean
 * shutdown. After data written with {@code qemu-img convert}, SIGTERM must end the process
 * with 0 having logged that the database closed; the offline check ({@code Main verify}) then
 * opens the data directory and finds the engine consistent, and a second run reads the data
 * back. SIGINT (Ctrl-C) ends it the same way. (The JVM's own handling exits 143 and 130.)
 */
class GatewayShutdownIT {
  private static final Pattern PORTAL = Pattern.compile("iSCSI portal: (\\S+):(\\d+)");

  @TempDir
  Path tmp;

  @Test
  void sigtermEndsWithStatusZeroAfterACleanClose() throws Exception {
    Path data = tmp.resolve("data");
    Path passphrase = tmp.resolve("passphrase");
    Files.writeString(passphrase, "correct horse battery staple\n");
    Path image = tmp.resolve("image.raw");
    byte[] bytes = new byte[3 << 20];
    new Random(7).nextBytes(bytes);
    Files.write(image, bytes);
    String[] common = {"--data-dir", data.toString(), "--passphrase-file", passphrase.toString()};

    List<String> create = new ArrayList<>(List.of("-Name", "shut", "-Size", "3MiB"));
    create.addAll(List.of(common));
    run(java("New-Volume", create.toArray(String[]::new)));

    Process gateway = start(common);
    String lun = "iscsi://" + portal(gateway) + "/iqn.2026-11.io.tiergate:shut/0";
    run("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", image.toString(), lun);
    assertEquals(0, signal(gateway, "TERM"), "exit status after SIGTERM");
    String logged = Files.readString(data.resolve("logs").resolve("gateway.log"));
    assertTrue(logged.contains("closed key-value store"), logged);
    assertTrue(logged.contains("gateway stopped"), logged);

    String verified = run(java("verify", common));
    assertTrue(verified.contains("consistent: 1 volume(s)"), verified);

    gateway = start(common);
    Path back = tmp.resolve("back.raw");
    lun = "iscsi://" + portal(gateway) + "/iqn.2026-11.io.tiergate:shut/0";
    run("qemu-img", "convert", "-f", "raw", "-O", "raw", lun, back.toString());
    assertEquals(0, signal(gateway, "TERM"));
    assertEquals(-1, Files.mismatch(image, back), "data differs after the restart");
  }

  @Test
  void sigintEndsWithStatusZeroToo() throws Exception {
    String[] common = {"--data-dir", tmp.resolve("data").toString()};
    Process gateway = start(common);
    portal(gateway);
    assertEquals(0, signal(gateway, "INT"), "exit status after SIGINT");
    String logged = Files.readString(tmp.resolve("data/logs/gateway.log"));
    assertTrue(logged.contains("closed key-value store"), logged);
    assertTrue(logged.contains("gateway stopped"), logged);
  }

  private ProcessBuilder java(String command, String... args) {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=info", "-cp",
        System.getProperty("java.class.path"), Main.class.getName(), command));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(
        tmp.resolve("gateway.err").toFile()));
  }

  private Process start(String[] common) throws IOException {
    List<String> args = new ArrayList<>(List.of(common));
    args.addAll(List.of("--iscsi-listen", "127.0.0.1:0", "--admin-listen", "off"));
    return java("run", args.toArray(String[]::new)).start();
  }

  /** Sends SIG{@code name} and returns the exit status. */
  private static int signal(Process p, String name) throws Exception {
    run("kill", "-" + name, Long.toString(p.pid()));
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("the gateway did not stop within 60 s of SIG" + name);
    }
    return p.exitValue();
  }

  private static String portal(Process gateway) throws IOException {
    BufferedReader out = new BufferedReader(
        new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8));
    for (String line; (line = out.readLine()) != null; ) {
      Matcher m = PORTAL.matcher(line);
      if (m.find()) {
        Thread drain = new Thread(() -> {
          try {
            out.transferTo(java.io.Writer.nullWriter());
          } catch (IOException e) {
            // the gateway exited; its status is what the test checks
          }
        });
        drain.setDaemon(true);
        drain.start();
        return m.group(1) + ":" + m.group(2);
      }
    }
    fail("the gateway exited before listening");
    return null;
  }

  private static String run(String... cmd) throws Exception {
    return run(new ProcessBuilder(cmd).redirectErrorStream(true));
  }

  private static String run(ProcessBuilder pb) throws Exception {
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(String.join(" ", pb.command()) + " timed out");
    }
    assertEquals(0, p.exitValue(), String.join(" ", pb.command()) + " failed:\n" + out);
    return out;
  }
}
