package io.tiergate.gateway;

import java.math.BigDecimal;
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
    String unit = m.group(2).toLowerCase(Locale.ROOT);
    boolean decimal = m.group(3).isEmpty() && !m.group(4).isEmpty() && !unit.isEmpty();
    int power = unit.isEmpty() ? 0 : "kmgtp".indexOf(unit) + 1;
    // Exact arithmetic: 1.1MB is 1,100,000 bytes, and a size that is no whole number of bytes
    // is refused rather than rounded to something the administrator did not write.
    BigDecimal bytes = new BigDecimal(m.group(1))
        .multiply(BigDecimal.valueOf(decimal ? 1000 : 1024).pow(power));
    if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE / 2)) > 0) {
      throw new IllegalArgumentException("size too large: " + text);
    }
    if (bytes.stripTrailingZeros().scale() > 0) {
      throw new IllegalArgumentException("not a whole number of bytes: '" + text + "'");
    }
    return bytes.longValueExact();
  }

  /** {@code a + b} for non-negative byte counts, {@code Long.MAX_VALUE} when it overflows. */
  public static long addSaturated(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? (r < 0 ? Long.MAX_VALUE : Long.MIN_VALUE) : r;
  }

  /** {@code a * b} for non-negative counts, {@code Long.MAX_VALUE} when it overflows. */
  public static long multiplySaturated(long a, long b) {
    long hi = Math.multiplyHigh(a, b);
    long lo = a * b;
    return (hi == 0 && lo >= 0) || (hi == -1 && lo < 0) ? lo
        : (hi < 0 ? Long.MIN_VALUE : Long.MAX_VALUE);
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
