package io.tiergate.gateway;

import io.tiergate.gateway.tier.CloudConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Settings of the gateway process. Each can be given as a flag or in a properties file
 * ({@code --config FILE}) under the same name without dashes, e.g.
 *
 * <pre>
 * data-dir = /var/lib/tiergate
 * iscsi-listen = 0.0.0.0:3260
 * admin-listen = 127.0.0.1:8080
 * passphrase-file = /etc/tiergate/passphrase
 * capacity = 500GiB
 * cloud = azure
 * azure-connection-string-file = /etc/tiergate/azure.txt
 * container = tiergate
 * tier-after = 1h
 * bandwidth-limit = 20MB/s
 * </pre>
 *
 * Flags override the file. The cloud settings are those of {@link CloudConfig}.
 *
 * @param dataDir where the database and key ring live
 * @param iscsiHost address the iSCSI portal binds
 * @param iscsiPort port of the iSCSI portal (0 picks a free one)
 * @param adminListen address of the admin API, web UI and metrics (HTTPS), or {@code off}
 * @param passphraseFile file holding the passphrase, or null for the demo default
 * @param capacityBytes local capacity for stored chunk bytes
 * @param cloud the cloud tier settings
 */
public record GatewayConfig(Path dataDir, String iscsiHost, int iscsiPort, String adminListen,
    Path passphraseFile, long capacityBytes, CloudConfig cloud) {

  /** Settings with the default cloud tier (a directory in the data directory). */
  public GatewayConfig(Path dataDir, String iscsiHost, int iscsiPort, String adminListen,
      Path passphraseFile, long capacityBytes) {
    this(dataDir, iscsiHost, iscsiPort, adminListen, passphraseFile, capacityBytes,
        CloudConfig.defaults());
  }

  /** The same settings with other cloud settings. */
  public GatewayConfig withCloud(CloudConfig c) {
    return new GatewayConfig(dataDir, iscsiHost, iscsiPort, adminListen, passphraseFile,
        capacityBytes, c);
  }

  /** Embedded defaults: ./tiergate-data, iSCSI on 0.0.0.0:3260, admin on 127.0.0.1:8080. */
  public static GatewayConfig defaults() {
    return new GatewayConfig(Path.of("tiergate-data"), "0.0.0.0", 3260, "127.0.0.1:8080", null,
        Long.MAX_VALUE);
  }

  /** The IQN under which a volume is exported. */
  public static String iqn(String volumeName) {
    return "iqn.2026-11.io.tiergate:" + volumeName;
  }

  /**
   * Applies settings given by name (flag names without leading dashes, case-insensitive,
   * dashes optional); unknown names are refused.
   */
  GatewayConfig with(Map<String, String> settings) {
    GatewayConfig c = this;
    for (Map.Entry<String, String> e : settings.entrySet()) {
      c = c.with(e.getKey(), e.getValue());
    }
    return c;
  }

  GatewayConfig with(String name, String value) {
    String key = name.toLowerCase(Locale.ROOT).replace("-", "");
    return switch (key) {
      case "datadir" -> new GatewayConfig(Path.of(value), iscsiHost, iscsiPort, adminListen,
          passphraseFile, capacityBytes, cloud);
      case "iscsilisten" -> {
        int colon = value.lastIndexOf(':');
        if (colon < 0) {
          throw new IllegalArgumentException("--iscsi-listen needs host:port, got " + value);
        }
        String host = value.substring(0, colon).replace("[", "").replace("]", "");
        int port = Integer.parseInt(value.substring(colon + 1));
        if (port < 0 || port > 65535) {
          throw new IllegalArgumentException("port out of range: " + port);
        }
        yield new GatewayConfig(dataDir, host.isEmpty() ? "0.0.0.0" : host, port, adminListen,
            passphraseFile, capacityBytes, cloud);
      }
      case "adminlisten" -> new GatewayConfig(dataDir, iscsiHost, iscsiPort, value,
          passphraseFile, capacityBytes, cloud);
      case "passphrasefile" -> new GatewayConfig(dataDir, iscsiHost, iscsiPort, adminListen,
          Path.of(value), capacityBytes, cloud);
      case "capacity" -> new GatewayConfig(dataDir, iscsiHost, iscsiPort, adminListen,
          passphraseFile, ByteSizes.parse(value), cloud);
      default -> {
        CloudConfig c = cloud.with(key, value);
        if (c == null) {
          throw new IllegalArgumentException("unknown setting: " + name);
        }
        yield withCloud(c);
      }
    };
  }

  /** Reads settings from a properties file. */
  GatewayConfig withFile(Path file) {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage());
    }
    GatewayConfig c = this;
    for (String name : p.stringPropertyNames()) {
      c = c.with(name, p.getProperty(name).trim());
    }
    return c;
  }
}
