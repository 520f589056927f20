package io.tiergate.gateway;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and formats byte sizes the way administrators write them: {@code 10GiB}, {@code 512MB}. */
public final class ByteSizes {
  private static final Pattern SIZE = Pattern.compile(
      "\\s*(\\d+(?:\\.\\d+)?)\\s*([kmgtp]?)(i?)(b?)\\s*", Pattern.CASE_INSENSITIVE);
  private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};

  private ByteSizes() {}

  /**
   * Parses a size: a number with an optional unit K, M, G, T or P, binary with an {@code i}
   * ({@code GiB}) or when bare ({@code 10G}), decimal with a plain {@code B} ({@code GB}).
   *
   * @throws IllegalArgumentException when it is not a size
   */
  public static long parse(String text) {
    Matcher m = SIZE.matcher(text == null ? "" : text);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a size: '" + text + "' (use e.g. 10GiB or 512MiB)");
    }
    double n = Double.parseDouble(m.group(1));
    String unit = m.group(2).toLowerCase(Locale.ROOT);
    boolean decimal = m.group(3).isEmpty() && !m.group(4).isEmpty() && !unit.isEmpty();
    int power = unit.isEmpty() ? 0 : "kmgtp".indexOf(unit) + 1;
    double scale = Math.pow(decimal ? 1000 : 1024, power);
    double bytes = n * scale;
    if (bytes > Long.MAX_VALUE / 2) {
      throw new IllegalArgumentException("size too large: " + text);
    }
    return Math.round(bytes);
  }

  /** Formats bytes with a binary unit, e.g. {@code 10 GiB} or {@code 1.5 MiB}. */
  public static String format(long bytes) {
    double v = bytes;
    int u = 0;
    while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
      v /= 1024;
      u++;
    }
    if (u == 0) {
      return bytes + " B";
    }
    return (v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v)
        : String.format(Locale.ROOT, "%.2f", v).replaceAll("0+$", "")) + " " + UNITS[u];
  }
}
