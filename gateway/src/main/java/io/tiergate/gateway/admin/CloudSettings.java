package io.tiergate.gateway.admin;

import io.tiergate.gateway.tier.CloudConfig;
import io.tiergate.gateway.tier.CloudCredentials;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cloud settings an administrator changed at run time (or in the setup wizard), kept in the
 * data directory so that the next {@code tiergate run} uses them; they take precedence over
 * {@code tiergate.conf}, {@code --config} and the command line's cloud flags, because they
 * are the newer decision.
 *
 * <pre>
 * admin/cloud.conf                 cloud, container, azure-connection-string-file (no secret)
 * admin/cloud-connection-string    the Azure connection string, mode 0600
 * admin/bandwidth.json             the default upload limit and the weekly schedule
 * </pre>
 */
final class CloudSettings {
  private static final Logger log = LoggerFactory.getLogger(CloudSettings.class);
  static final String TARGET_FILE = "cloud.conf";
  static final String SECRET_FILE = "cloud-connection-string";
  static final String BANDWIDTH_FILE = "bandwidth.json";

  private CloudSettings() {}

  /** {@code base} with the cloud target saved in {@code dataDir}, if one was saved. */
  static CloudConfig applySaved(Path dataDir, CloudConfig base) {
    Path file = dataDir.resolve("admin").resolve(TARGET_FILE);
    if (!Files.isRegularFile(file)) {
      return base;
    }
    Properties p = new Properties();
    try {
      p.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + file + ": " + e.getMessage());
    }
    CloudConfig c = base;
    for (String k : new String[] {"cloud", "azure-connection-string-file", "container"}) {
      String v = p.getProperty(k);
      if (v != null) {
        c = c.with(k.replace("-", ""), v.trim());
      }
    }
    if (!c.equals(base)) {
      log.info("cloud target set by an administrator ({}) is used: {}", file,
          c.describe(dataDir));
    }
    return c;
  }

  /** The cloud settings that {@link #save} makes of {@code creds}, without saving anything. */
  static CloudConfig target(Path dataDir, CloudCredentials creds, CloudConfig base) {
    return creds.applyTo(base, dataDir.resolve("admin").resolve(SECRET_FILE).toAbsolutePath());
  }

  /**
   * Saves credentials: the secret first (owner-only), then the target that points to it, so a
   * crash in between leaves the old target in force.
   *
   * @return the cloud settings that use them
   */
  static CloudConfig save(Path dataDir, CloudCredentials creds, CloudConfig base) {
    Path admin = SecureFiles.ownerOnlyDir(dataDir.resolve("admin"));
    Path secret = admin.resolve(SECRET_FILE).toAbsolutePath();
    Map<String, String> target = new LinkedHashMap<>();
    if (creds.azure()) {
      byte[] bytes = (creds.secret() + "\n").getBytes(StandardCharsets.UTF_8);
      try {
        SecureFiles.write(secret, bytes);
      } finally {
        java.util.Arrays.fill(bytes, (byte) 0);
      }
      target.put("cloud", "azure");
      target.put("azure-connection-string-file", secret.toString());
      target.put("container", creds.container());
    } else {
      target.put("cloud", "file:" + creds.directory());
    }
    StringBuilder b = new StringBuilder("# Cloud target set by an administrator; the secret is "
        + "in " + SECRET_FILE + "\n");
    target.forEach((k, v) -> b.append(k).append(" = ").append(v.replace("\\", "\\\\"))
        .append('\n'));
    SecureFiles.write(admin.resolve(TARGET_FILE), b.toString().getBytes(StandardCharsets.UTF_8));
    if (!creds.azure()) {
      try {
        Files.deleteIfExists(secret); // no stale secret left behind
      } catch (IOException e) {
        throw new UncheckedIOException("cannot remove " + secret, e);
      }
    }
    return creds.applyTo(base, secret);
  }

  /** The saved bandwidth settings as JSON, or null. */
  static Map<String, Object> loadBandwidth(Path adminDir) {
    Path file = adminDir.resolve(BANDWIDTH_FILE);
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      return Json.parseObject(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("cannot read " + file + ": " + e.getMessage());
    }
  }

  static void saveBandwidth(Path adminDir, Map<String, Object> json) {
    SecureFiles.write(adminDir.resolve(BANDWIDTH_FILE),
        (Json.encode(json) + "\n").getBytes(StandardCharsets.UTF_8));
  }
}
