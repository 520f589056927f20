package io.tiergate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Sizes parse exactly (never rounded) and byte sums saturate instead of wrapping. */
class ByteSizesTest {
  @Test
  void sizesParseExactlyAndFractionsOfAByteAreRefused() {
    assertEquals(1L << 30, ByteSizes.parse("1GiB"));
    assertEquals(1_100_000L, ByteSizes.parse("1.1MB"), "decimal units are exact");
    assertEquals(1536L, ByteSizes.parse("1.5KiB"));
    assertEquals(64L << 40, ByteSizes.parse("64TiB"));
    // 1.0000000001 GiB is 1073741824.107... bytes: refused, not rounded to 1 GiB.
    assertThrows(IllegalArgumentException.class, () -> ByteSizes.parse("1.0000000001GiB"));
    assertThrows(IllegalArgumentException.class, () -> ByteSizes.parse("0.3B"));
    assertThrows(IllegalArgumentException.class, () -> ByteSizes.parse("4000000PiB"));
    assertThrows(IllegalArgumentException.class, () -> ByteSizes.parse("huge"));
  }

  @Test
  void sumsAndProductsSaturate() {
    assertEquals(5, ByteSizes.addSaturated(2, 3));
    assertEquals(Long.MAX_VALUE, ByteSizes.addSaturated(Long.MAX_VALUE - 1, 2));
    long v4000PiB = 4000L << 50;
    long sum = 0;
    for (int i = 0; i < 3; i++) {
      sum = ByteSizes.addSaturated(sum, v4000PiB); // three such volumes wrapped negative before
    }
    assertEquals(Long.MAX_VALUE, sum);
    assertEquals(6, ByteSizes.multiplySaturated(2, 3));
    assertEquals(Long.MAX_VALUE, ByteSizes.multiplySaturated(1L << 40, 1L << 30));
    assertEquals(0, ByteSizes.multiplySaturated(0, Long.MAX_VALUE));
  }
}
