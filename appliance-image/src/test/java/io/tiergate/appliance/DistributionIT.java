package io.tiergate.appliance;

import static io.tiergate.appliance.Commands.exec;
import static io.tiergate.appliance.Commands.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The self-contained distribution runs on a machine without Java: the tarball is unpacked into
 * an empty directory and {@code bin/tiergate} runs with {@code JAVA_HOME} unset and a
 * {@code PATH} that holds everything of /usr/bin and /bin except the JDK's commands (checked:
 * {@code java} is not found). A volume made with {@code New-Volume} is written and read back
 * with qemu-img over iSCSI on a free loopback port; its /metrics scrape holds every series the
 * shipped Prometheus rules and Grafana dashboard query; then the gateway stops on SIGTERM.
 */
class DistributionIT {
  private static final int LUN_BYTES = 16 << 20;

  @TempDir
  Path tmp;

  /** Outside {@code tmp}: JUnit warns about every link it deletes that points outside. */
  private Path binWithoutJava;

  @AfterEach
  void removeLinks() throws IOException {
    if (binWithoutJava != null) {
      for (Path link : list(binWithoutJava)) {
        Files.delete(link);
      }
      Files.delete(binWithoutJava);
    }
  }

  @Test
  void tarballRunsWithoutASystemJavaAndServesIscsi() throws Exception {
    Path tarball = Path.of(System.getProperty("tiergate.dist.tarball"));
    Path unpacked = Files.createDirectory(tmp.resolve("opt"));
    run("tar", "-xzf", tarball.toString(), "-C", unpacked.toString());
    List<Path> top = list(unpacked);
    assertEquals(1, top.size(), "one top directory in the tarball: " + top);
    Path home = top.get(0);
    Path launcher = home.resolve("bin/tiergate");
    assertTrue(Files.isExecutable(launcher), "bin/tiergate is executable");
    assertTrue(Files.isExecutable(home.resolve("runtime/bin/java")), "the runtime is there");

    Map<String, String> env = Map.of("PATH", pathWithoutJava().toString(), "JAVA_HOME", "",
        "HOME", tmp.toString());
    Commands.Result which = exec(env, "/bin/sh", "-c", "command -v java");
    assertNotEquals(0, which.status(), "java must not be reachable: " + which.output());

    Path data = tmp.resolve("data");
    Path passphrase = Files.writeString(tmp.resolve("passphrase"), "distribution test passphrase\n");
    String created = run(env, launcher.toString(), "New-Volume", "-Name", "dist", "-Size", "16MiB",
        "--data-dir", data.toString(), "--passphrase-file", passphrase.toString());
    assertTrue(created.contains("iqn.2026-11.io.tiergate:dist"), created);

    Path log = tmp.resolve("gateway.err");
    ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "run", "--data-dir",
        data.toString(), "--iscsi-listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0",
        "--passphrase-file", passphrase.toString()).redirectError(log.toFile());
    pb.environment().clear();
    pb.environment().putAll(env);
    Process gateway = pb.start();
    int status;
    try {
      String portal = Commands.portal(gateway, log);
      // The gateway runs on the shipped runtime, not on some Java found elsewhere.
      Path exe = Path.of("/proc", Long.toString(gateway.pid()), "exe").toRealPath();
      assertEquals(home.resolve("runtime/bin/java").toRealPath(), exe);
      Path image = Commands.randomImage(tmp.resolve("image.raw"), LUN_BYTES, 16);
      Commands.qemuRoundTrip(image, "iscsi://" + portal + "/iqn.2026-11.io.tiergate:dist/0",
          tmp.resolve("back.raw"));
      // The shipped Prometheus rules and dashboard query series this gateway really exports.
      Set<String> missing = OpsMetersTest.usedByOpsFiles(home.resolve("share/ops"));
      String scrape = scrape(data);
      missing.removeIf(name -> scrape.lines().anyMatch(l -> l.startsWith(name + "{")
          || l.startsWith(name + " ")));
      assertEquals(Set.of(), missing, "not in the scrape:\n" + scrape);
    } finally {
      status = Commands.stop(gateway);
    }
    String logged = Files.readString(log);
    assertTrue(logged.contains("gateway stopped"), "clean stop on SIGTERM:\n" + logged);
    // 143 = 128 + SIGTERM: the JVM's exit status after its shutdown hooks ran.
    assertTrue(status == 0 || status == 143, "exit status " + status + "\n" + logged);
  }

  /**
   * GET /metrics from the gateway of {@code data}, the way the CLI finds it on the appliance:
   * its endpoint file, local credential and certificate.
   */
  private static String scrape(Path data) throws Exception {
    Path admin = data.resolve("admin");
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(admin.resolve("tls.crt"))) {
      trust.setCertificateEntry("gateway", CertificateFactory.getInstance("X.509")
          .generateCertificate(in));
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    HttpClient http = HttpClient.newBuilder().sslContext(tls).build();
    URI url = URI.create(Files.readString(admin.resolve("endpoint")).trim() + "/metrics");
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(url)
        .header("Authorization", "Bearer " + Files.readString(admin.resolve("local-credential"))
            .trim()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return r.body();
  }

  /** A directory with a link to every command of /usr/bin and /bin except the JDK's. */
  private Path pathWithoutJava() throws IOException {
    Path bin = Files.createTempDirectory("bin-without-java");
    binWithoutJava = bin;
    for (String dir : List.of("/usr/bin", "/bin")) {
      for (Path cmd : list(Path.of(dir))) {
        Path name = bin.resolve(cmd.getFileName().toString());
        if (Files.exists(name, java.nio.file.LinkOption.NOFOLLOW_LINKS) || !Files.exists(cmd)) {
          continue;
        }
        boolean jdk = cmd.toRealPath().startsWith("/usr/lib/jvm")
            || cmd.getFileName().toString().startsWith("java");
        if (!jdk) {
          Files.createSymbolicLink(name, cmd);
        }
      }
    }
    return bin;
  }

  private static List<Path> list(Path dir) throws IOException {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      s.forEach(out::add);
    }
    return out;
  }
}
