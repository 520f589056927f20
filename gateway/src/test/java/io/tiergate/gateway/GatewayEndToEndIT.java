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
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end through the real gateway process and a real initiator: creates a volume with
 * {@code New-Volume}, starts {@code Main run} on an ephemeral port, copies an ext4 image built
 * with {@code mkfs.ext4 -d} into the LUN with {@code qemu-img convert}, stops the gateway with
 * SIGTERM, starts it again and copies the LUN back: the image must be byte-identical and
 * {@code e2fsck -fn} clean; both runs must have logged to the data directory's log file.
 * Needs qemu-img with its iSCSI module and e2fsprogs (./test installs them).
 */
class GatewayEndToEndIT {
  private static final Pattern PORTAL = Pattern.compile("iSCSI portal: (\\S+):(\\d+)");
  private static final String IMAGE_SIZE = "64M";

  @TempDir
  Path tmp;

  @Test
  void ext4ImageRoundTripsThroughALunAcrossARestart() throws Exception {
    Path data = tmp.resolve("data");
    Path passphrase = tmp.resolve("passphrase");
    Files.writeString(passphrase, "correct horse battery staple\n");
    Path image = buildExt4Image();
    String common = "--data-dir=" + data;

    Process create = java("New-Volume", "-Name", "E2E", "-Size", IMAGE_SIZE + "iB", common,
        "--passphrase-file", passphrase.toString()).start();
    String created = new String(create.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, create.waitFor(), "New-Volume failed: " + created);
    assertTrue(created.contains("iqn.2026-11.io.tiergate:e2e"), created);

    String lun;
    Process gateway = startGateway(common, passphrase);
    try {
      lun = "iscsi://" + portal(gateway) + "/iqn.2026-11.io.tiergate:e2e/0";
      run("qemu-img", "convert", "-n", "-O", "raw", image.toString(), lun);
    } finally {
      stop(gateway);
    }
    Path back = tmp.resolve("back.img");
    gateway = startGateway(common, passphrase);
    try {
      lun = "iscsi://" + portal(gateway) + "/iqn.2026-11.io.tiergate:e2e/0";
      run("qemu-img", "convert", "-O", "raw", lun, back.toString());
    } finally {
      stop(gateway);
    }
    assertEquals(-1, Files.mismatch(image, back), "image differs after the round trip");
    run("e2fsck", "-fn", back.toString());

    // Both runs logged to the data directory too, for the support package.
    Path log = data.resolve("logs").resolve("gateway.log");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(log)));
    String logged = Files.readString(log);
    assertEquals(2, logged.split("gateway stopped", -1).length - 1, logged);
    assertTrue(logged.contains("engine open with"), logged);
  }

  private Path buildExt4Image() throws Exception {
    Path src = tmp.resolve("tree");
    Files.createDirectories(src.resolve("docs/deep"));
    Random rnd = new Random(4);
    byte[] random = new byte[5 << 20];
    rnd.nextBytes(random);
    Files.write(src.resolve("random.bin"), random);
    Files.write(src.resolve("docs/deep/same-as-random.bin"), random);
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 100_000; i++) {
      text.append("line ").append(i).append(" of a compressible text file\n");
    }
    Files.writeString(src.resolve("docs/text.txt"), text);
    Files.write(src.resolve("empty"), new byte[0]);
    Path image = tmp.resolve("fs.img");
    run("mkfs.ext4", "-q", "-F", "-d", src.toString(), image.toString(), IMAGE_SIZE);
    return image;
  }

  private ProcessBuilder java(String... args) {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectError(tmp.resolve("gateway.log").toFile());
  }

  private Process startGateway(String dataDir, Path passphrase) throws IOException {
    return java("run", dataDir, "--iscsi-listen", "127.0.0.1:0", "--passphrase-file",
        passphrase.toString()).start();
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
            // the gateway exited
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

  /** SIGTERM, then the shutdown hook closes sessions and the store. */
  private static void stop(Process gateway) throws InterruptedException {
    gateway.destroy();
    if (!gateway.waitFor(30, TimeUnit.SECONDS)) {
      gateway.destroyForcibly();
      fail("gateway did not stop within 30 s of SIGTERM");
    }
  }

  private void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail(String.join(" ", cmd) + " timed out");
    }
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed:\n" + out);
  }
}
