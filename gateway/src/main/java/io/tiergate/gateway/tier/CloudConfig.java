package io.tiergate.gateway.tier;

import io.tiergate.gateway.ByteSizes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cloud tier settings, given as {@code tiergate run} flags or config-file keys of the same name:
 *
 * <pre>
 * cloud = file:/srv/tiergate-cloud     (default: file:DATA-DIR/cloud)
 * cloud = azure                        with
 * azure-connection-string-file = /etc/tiergate/azure.txt
 * container = tiergate
 * pack-tier = Hot | Cool | Cold
 * tier-after = 1h                      idle time before a dirty chunk is uploaded
 * bandwidth-limit = 20MB/s             0 = unlimited
 * upload-parallelism = 2
 * cache-high-watermark = 90%           evict clean chunks above this share of capacity...
 * cache-low-watermark = 80%            ...down to this one
 * gc-grace = 1h                        a dead pack is deleted this long after it died
 * cold-read-timeout = 10s              a read that needs the cloud answers within this (NOT READY
 *                                      when the cloud is away)
 * cloud-alert-after = 5m               an alert once the cloud has been away this long
 * </pre>
 *
 * <p>The connection string is a secret: only the path of its file is kept here, so neither
 * this record's {@code toString} nor any message built from it can carry the secret.
 *
 * @param target {@code file:DIR}, {@code azure}, or null for {@code file:DATA-DIR/cloud}
 * @param connectionStringFile file holding the Azure connection string
 * @param container Azure container
 * @param packTier access tier of pack objects, or null for the account default
 * @param tierAfter idle time before a dirty chunk is uploaded
 * @param bandwidthBytesPerSecond upload limit; zero or less is unlimited
 * @param uploadParallelism packs uploaded at once
 * @param highWatermark share of the local capacity above which clean chunks are evicted
 * @param lowWatermark share eviction brings the local usage down to
 * @param gcGrace how long a dead pack stays in the cloud (readers may still use it)
 * @param coldReadTimeout longest a read waits for the cloud before it fails with NOT READY
 * @param alertAfter how long the cloud may be away before an alert
 */
public record CloudConfig(String target, Path connectionStringFile, String container,
    String packTier, Duration tierAfter, long bandwidthBytesPerSecond, int uploadParallelism,
    double highWatermark, double lowWatermark, Duration gcGrace, Duration coldReadTimeout,
    Duration alertAfter) {

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");

  /** Defaults: local directory in the data directory, 1 h idle, unlimited bandwidth. */
  public static CloudConfig defaults() {
    return new CloudConfig(null, null, "tiergate", null, Duration.ofHours(1), 0, 2, 0.90, 0.80,
        Duration.ofHours(1), Duration.ofSeconds(10), Duration.ofMinutes(5));
  }

  /** Validates. */
  public CloudConfig {
    if (target != null && !target.equals("azure") && !target.startsWith("file:")) {
      throw new IllegalArgumentException("--cloud must be file:DIR or azure");
    }
    if (uploadParallelism < 1 || uploadParallelism > 64) {
      throw new IllegalArgumentException("--upload-parallelism must be 1 to 64");
    }
    if (!(lowWatermark > 0 && lowWatermark < highWatermark && highWatermark <= 1)) {
      throw new IllegalArgumentException("watermarks need 0 < low < high <= 100%");
    }
    // Under Linux's 30 s SCSI command timeout, or the initiator aborts and resets first.
    if (coldReadTimeout.compareTo(Duration.ofMillis(100)) < 0
        || coldReadTimeout.compareTo(Duration.ofSeconds(25)) > 0) {
      throw new IllegalArgumentException("--cold-read-timeout must be 100ms to 25s");
    }
    if (alertAfter.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("--cloud-alert-after must be at least 1s");
    }
  }

  /** True for an Azure Blob container, false for a local directory. */
  public boolean azure() {
    return "azure".equals(target);
  }

  /** The directory of a {@code file:} target, resolving the default in {@code dataDir}. */
  public Path directory(Path dataDir) {
    return target == null ? dataDir.resolve("cloud") : Path.of(target.substring(5));
  }

  /**
   * Applies one setting by its flag name without dashes (lower case); returns null when the
   * name is not a cloud setting.
   */
  public CloudConfig with(String key, String value) {
    return switch (key) {
      case "cloud" -> new CloudConfig(value.equalsIgnoreCase("azure") ? "azure" : value,
          connectionStringFile, container, packTier, tierAfter, bandwidthBytesPerSecond,
          uploadParallelism, highWatermark, lowWatermark, gcGrace, coldReadTimeout, alertAfter);
      case "azureconnectionstringfile" -> new CloudConfig(target, Path.of(value), container,
          packTier, tierAfter, bandwidthBytesPerSecond, uploadParallelism, highWatermark,
          lowWatermark, gcGrace, coldReadTimeout, alertAfter);
      case "container" -> new CloudConfig(target, connectionStringFile, value, packTier,
          tierAfter, bandwidthBytesPerSecond, uploadParallelism, highWatermark, lowWatermark,
          gcGrace, coldReadTimeout, alertAfter);
      case "packtier" -> {
        String t = value.toLowerCase(Locale.ROOT);
        if (!t.equals("hot") && !t.equals("cool") && !t.equals("cold")) {
          throw new IllegalArgumentException("--pack-tier must be Hot, Cool or Cold");
        }
        yield new CloudConfig(target, connectionStringFile, container,
            Character.toUpperCase(t.charAt(0)) + t.substring(1), tierAfter,
            bandwidthBytesPerSecond, uploadParallelism, highWatermark, lowWatermark, gcGrace, coldReadTimeout, alertAfter);
      }
      case "tierafter" -> new CloudConfig(target, connectionStringFile, container, packTier,
          parseDuration(value), bandwidthBytesPerSecond, uploadParallelism, highWatermark,
          lowWatermark, gcGrace, coldReadTimeout, alertAfter);
      case "bandwidthlimit" -> new CloudConfig(target, connectionStringFile, container, packTier,
          tierAfter, parseRate(value), uploadParallelism, highWatermark, lowWatermark, gcGrace, coldReadTimeout, alertAfter);
      case "uploadparallelism" -> new CloudConfig(target, connectionStringFile, container,
          packTier, tierAfter, bandwidthBytesPerSecond, Integer.parseInt(value.trim()),
          highWatermark, lowWatermark, gcGrace, coldReadTimeout, alertAfter);
      case "cachehighwatermark" -> new CloudConfig(target, connectionStringFile, container,
          packTier, tierAfter, bandwidthBytesPerSecond, uploadParallelism, parseShare(value),
          lowWatermark, gcGrace, coldReadTimeout, alertAfter);
      case "cachelowwatermark" -> new CloudConfig(target, connectionStringFile, container,
          packTier, tierAfter, bandwidthBytesPerSecond, uploadParallelism, highWatermark,
          parseShare(value), gcGrace, coldReadTimeout, alertAfter);
      case "gcgrace" -> new CloudConfig(target, connectionStringFile, container, packTier,
          tierAfter, bandwidthBytesPerSecond, uploadParallelism, highWatermark, lowWatermark,
          parseDuration(value), coldReadTimeout, alertAfter);
      case "coldreadtimeout" -> new CloudConfig(target, connectionStringFile, container,
          packTier, tierAfter, bandwidthBytesPerSecond, uploadParallelism, highWatermark,
          lowWatermark, gcGrace, parseDuration(value), alertAfter);
      case "cloudalertafter" -> new CloudConfig(target, connectionStringFile, container,
          packTier, tierAfter, bandwidthBytesPerSecond, uploadParallelism, highWatermark,
          lowWatermark, gcGrace, coldReadTimeout, parseDuration(value));
      default -> null;
    };
  }

  /** Parses {@code 1h}, {@code 30m}, {@code 10s}, {@code 500ms}, {@code 2d}; bare numbers are seconds. */
  public static Duration parseDuration(String s) {
    Matcher m = DURATION.matcher(s.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("not a duration: " + s + " (try 1h, 30m, 10s)");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    return switch (unit) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }

  /**
   * Parses a rate in bytes per second: a size as {@link ByteSizes#parse} reads it, with an
   * optional {@code /s}: {@code 20MB/s} (powers of 1000), {@code 16MiB/s} (powers of 1024),
   * {@code 0} for unlimited.
   */
  public static long parseRate(String s) {
    String t = s.trim();
    if (t.toLowerCase(Locale.ROOT).endsWith("/s")) {
      t = t.substring(0, t.length() - 2);
    }
    try {
      return ByteSizes.parse(t);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a rate: " + s + " (try 20MB/s)");
    }
  }

  private static double parseShare(String s) {
    String t = s.trim();
    double v = t.endsWith("%") ? Double.parseDouble(t.substring(0, t.length() - 1)) / 100
        : Double.parseDouble(t);
    if (!(v > 0 && v <= 1)) {
      throw new IllegalArgumentException("not a share: " + s + " (try 90%)");
    }
    return v;
  }

  /** What an administrator may see: never the connection string itself. */
  public String describe(Path dataDir) {
    return azure() ? "Azure Blob container " + container : "directory " + directory(dataDir);
  }
}
