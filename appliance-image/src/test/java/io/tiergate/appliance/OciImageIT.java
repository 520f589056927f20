package io.tiergate.appliance;

import static io.tiergate.appliance.Commands.exec;
import static io.tiergate.appliance.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OCI image archive: skopeo reads it and its config names the non-root user, the ports,
 * the data volume, the entrypoint and the health check; umoci unpacks it, and its root file
 * system alone (no shell, nothing but the distribution and the libraries it needs) runs the
 * gateway under chroot as that user with /proc mounted, as a container runtime would: it
 * serves iscsi-ls and a qemu-img round trip, answers the health check, and stops on SIGTERM.
 * Needs root for chroot and the /proc mount (CI runs as root).
 */
class OciImageIT {
  private static final int LUN_BYTES = 16 << 20;

  @TempDir
  Path tmp;

  @Test
  void imageConfigAndRootFileSystemServeIscsi() throws Exception {
    Path archive = Path.of(System.getProperty("tiergate.oci"));
    String version = archive.getFileName().toString().replaceAll("^tiergate-(.+)-oci\\.tar$", "$1");
    JsonNode config = new ObjectMapper()
        .readTree(run("skopeo", "inspect", "--config", "oci-archive:" + archive)).get("config");
    assertEquals("10001:10001", config.get("User").asText());
    assertTrue(config.get("ExposedPorts").has("3260/tcp"), config.toString());
    assertTrue(config.get("ExposedPorts").has("8080/tcp"), config.toString());
    assertTrue(config.get("Volumes").has("/var/lib/tiergate"), config.toString());
    List<String> entrypoint = strings(config.get("Entrypoint"));
    List<String> cmd = strings(config.get("Cmd"));
    assertEquals("/opt/tiergate/runtime/bin/java", entrypoint.get(0));
    assertEquals("run", cmd.get(0));
    String health = config.get("Labels").get("io.tiergate.healthcheck").asText();
    String manifest = run("skopeo", "inspect", "--raw", "oci-archive:" + archive);
    assertTrue(manifest.contains("application/vnd.oci.image.manifest.v1+json")
        || manifest.contains("application/vnd.oci.image.config.v1+json"), manifest);

    Path layout = Files.createDirectory(tmp.resolve("layout"));
    run("tar", "-xf", archive.toString(), "-C", layout.toString());
    Path bundle = tmp.resolve("bundle");
    run("umoci", "unpack", "--image", layout + ":" + version, bundle.toString());
    Path rootfs = bundle.resolve("rootfs");
    assertFalse(Files.exists(rootfs.resolve("bin/sh")), "a scratch image: no shell");
    assertEquals("10001", run("stat", "-c", "%u", rootfs.resolve("var/lib/tiergate").toString())
        .trim(), "the data volume belongs to the image's user");

    Path secrets = Files.createDirectories(rootfs.resolve("run/secrets"));
    Path passphrase = Files.writeString(secrets.resolve("passphrase"), "container passphrase\n");
    run("chown", "10001:10001", passphrase.toString());
    run("chmod", "0400", passphrase.toString());
    Path proc = Files.createDirectories(rootfs.resolve("proc"));
    run("mount", "-t", "proc", "proc", proc.toString());
    try {
      // The image's command with loopback ports the test picks, and the passphrase secret.
      List<String> args = new ArrayList<>(entrypoint);
      for (int i = 0; i < cmd.size(); i++) {
        String a = cmd.get(i);
        args.add(a.equals("0.0.0.0:3260") || a.equals("0.0.0.0:8080") ? "127.0.0.1:0" : a);
      }
      args.addAll(List.of("--passphrase-file", "/run/secrets/passphrase"));
      Path log = tmp.resolve("container.err");
      ProcessBuilder pb = new ProcessBuilder(inImage(rootfs, args)).redirectError(log.toFile());
      pb.environment().clear();
      pb.environment().put("PATH", "/usr/bin:/bin");
      Process gateway = pb.start();
      int status;
      try {
        String portal = Commands.portal(gateway, log);
        List<String> healthCmd = List.of(health.split(" "));
        waitHealthy(rootfs, healthCmd);
        List<String> newVolume = new ArrayList<>(entrypoint);
        newVolume.addAll(List.of("New-Volume", "-Name", "oci", "-Size", "16MiB", "--data-dir",
            "/var/lib/tiergate"));
        run(inImage(rootfs, newVolume).toArray(String[]::new));
        String targets = run("iscsi-ls", "iscsi://" + portal + "/");
        assertTrue(targets.contains("iqn.2026-11.io.tiergate:oci"), targets);
        Path image = Commands.randomImage(tmp.resolve("image.raw"), LUN_BYTES, 3);
        Commands.qemuRoundTrip(image, "iscsi://" + portal + "/iqn.2026-11.io.tiergate:oci/0",
            tmp.resolve("back.raw"));
      } finally {
        status = Commands.stop(gateway);
      }
      String logged = Files.readString(log);
      assertTrue(status == 0 || status == 143, "exit status " + status + "\n" + logged);
      assertFalse(Files.exists(rootfs.resolve("var/lib/tiergate/demo-passphrase")), logged);
      Commands.Result down = exec(Map.of(), inImage(rootfs, List.of(health.split(" ")))
          .toArray(String[]::new));
      assertNotEquals(0, down.status(), "the health check fails once the gateway is gone");
    } finally {
      run("umount", proc.toString());
    }
  }

  /** The command run inside the image's root file system as its user. */
  private static List<String> inImage(Path rootfs, List<String> command) {
    List<String> c = new ArrayList<>(List.of("chroot", "--userspec=10001:10001",
        rootfs.toString()));
    c.addAll(command);
    return c;
  }

  private static void waitHealthy(Path rootfs, List<String> health) throws InterruptedException {
    Commands.Result r = null;
    for (int i = 0; i < 30; i++) {
      r = exec(Map.of(), inImage(rootfs, health).toArray(String[]::new));
      if (r.status() == 0) {
        return;
      }
      Thread.sleep(1000);
    }
    throw new AssertionError("the health check never passed: " + r.output());
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
