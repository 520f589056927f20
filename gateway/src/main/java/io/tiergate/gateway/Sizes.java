package io.tiergate.gateway;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Byte sizes as administrators write them: {@code 10GiB}, {@code 512MiB}, {@code 64KiB}. */
final class Sizes {
  private static final Pattern SIZE =
      Pattern.compile("(\\d+)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?");

  private Sizes() {}

  /**
   * Parses a size. KiB/MiB/GiB/TiB and the bare K/M/G/T are powers of 1024; KB/MB/GB/TB are
   * powers of 1000 (as PowerShell's numeric suffixes are not, say so in help).
   */
  static long parse(String s) {
    Matcher m = SIZE.matcher(s.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException("not a size: " + s + " (try 10GiB, 512MiB)");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2);
    long mult = switch (unit) {
      case "b" -> 1;
      case "k", "kib" -> 1L << 10;
      case "m", "mib" -> 1L << 20;
      case "g", "gib" -> 1L << 30;
      case "t", "tib" -> 1L << 40;
      case "kb" -> 1000L;
      case "mb" -> 1000_000L;
      case "gb" -> 1000_000_000L;
      default -> 1000_000_000_000L;
    };
    return Math.multiplyExact(n, mult);
  }

  /** A size for people: {@code 10 GiB}, {@code 1.5 MiB}, {@code 512 B}. */
  static String format(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return (v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v)
        : String.format(Locale.ROOT, "%.1f", v)) + " " + units[u];
  }
}
