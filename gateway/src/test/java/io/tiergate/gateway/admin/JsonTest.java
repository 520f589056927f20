package io.tiergate.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * {@link Json}: the value model its callers rely on, the encoder's exact output, and the limits
 * that keep hostile input (deep nesting, huge strings, duplicate names, trailing text, bad
 * numbers) from costing more than a clear refusal.
 */
class JsonTest {

  @Test
  void valuesAreLinkedMapsListsLongsDoublesStringsBooleansAndNull() {
    Map<String, Object> m = Json.parseObject(
        "{\"z\":1,\"a\":[2.5,true,false,null,\"s\"],\"m\":{},\"e\":1E3,"
            + "\"min\":-9223372036854775808,\"max\":9223372036854775807,\"neg0\":-0,"
            + "\"tiny\":1e-999}");
    assertInstanceOf(LinkedHashMap.class, m);
    assertEquals(List.of("z", "a", "m", "e", "min", "max", "neg0", "tiny"),
        new ArrayList<>(m.keySet()), "members keep their order");
    assertEquals(1L, m.get("z"));
    assertInstanceOf(List.class, m.get("a"));
    assertEquals(Arrays.asList(2.5, true, false, null, "s"), m.get("a"));
    assertInstanceOf(LinkedHashMap.class, m.get("m"));
    assertEquals(1000.0, m.get("e"), "an exponent makes a Double, as before");
    assertEquals(Long.MIN_VALUE, m.get("min"));
    assertEquals(Long.MAX_VALUE, m.get("max"));
    assertEquals(0L, m.get("neg0"));
    assertEquals(0.0, m.get("tiny"));
    assertEquals(42L, Json.parse(" \t\r\n42\n"));
    assertEquals("x", Json.parse("\"x\""));
    assertEquals(null, Json.parse("null"));
    assertEquals("\ud83d\ude00\u00e9/", Json.parse("\"\\ud83d\\ude00\\u00E9\\/\""));
    assertThrows(Json.ParseException.class, () -> Json.parseObject("[1]"));
    assertThrows(Json.ParseException.class, () -> Json.parseObject("\"text\""));
  }

  @Test
  void theEncoderWritesWhatItAlwaysWrote() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("s", "q\"b\\n\nr\rt\tb\bf\fnul\u0000us\u001f</script>&'/é\ud83d\ude00\u007f");
    m.put("l", 1L);
    m.put("i", 7);
    m.put("d", 2.5);
    m.put("big", 1e21);
    m.put("small", 1e-7);
    m.put("whole", 3.0);
    m.put("f", 1.5f);
    m.put("nan", Double.NaN);
    m.put("inf", Double.NEGATIVE_INFINITY);
    m.put("bi", new BigInteger("123456789012345678901234567890"));
    m.put("bd", new BigDecimal("1E+3"));
    m.put("t", true);
    m.put("n", null);
    m.put("e", Thread.State.TIMED_WAITING);
    m.put("list", List.of(List.of(), Map.of()));
    m.put("other", new StringBuilder("as text"));
    Map<Object, Object> keys = new LinkedHashMap<>();
    keys.put(null, 1);
    keys.put(5, "<");
    m.put("keys", keys);
    assertEquals("{\"s\":\"q\\\"b\\\\n\\nr\\rt\\tb\\u0008f\\u000cnul\\u0000us\\u001f"
        + "\\u003c/script>&'/é\ud83d\ude00\u007f\",\"l\":1,\"i\":7,\"d\":2.5,\"big\":1.0E21,"
        + "\"small\":1.0E-7,\"whole\":3.0,\"f\":1.5,\"nan\":null,\"inf\":null,"
        + "\"bi\":123456789012345678901234567890,\"bd\":1E+3,\"t\":true,\"n\":null,"
        + "\"e\":\"timed_waiting\",\"list\":[[],{}],\"other\":\"as text\","
        + "\"keys\":{\"null\":1,\"5\":\"\\u003c\"}}", Json.encode(m));
    assertEquals("null", Json.encode(null));
    assertEquals("\"\"", Json.encode(""));
    assertEquals("[]", Json.encode(List.of()));
    assertEquals("-9223372036854775808", Json.encode(Long.MIN_VALUE));
  }

  @Test
  void randomValuesRoundTrip() {
    Random r = new Random(11);
    for (int i = 0; i < 500; i++) {
      Object v = randomValue(r, 0);
      assertEquals(v, Json.parse(Json.encode(v)), () -> Json.encode(v));
    }
  }

  @Test
  void nestingDeeperThanTheLimitIsRefusedWithoutExhaustingTheStack() {
    int max = Json.MAX_DEPTH;
    assertEquals(max, depth(Json.parse("[".repeat(max) + "]".repeat(max))));
    assertEquals(max, depth(Json.parse("{\"a\":".repeat(max) + "1" + "}".repeat(max))));
    assertRefused("[".repeat(max + 1) + "]".repeat(max + 1), "nesting depth");
    assertRefused("{\"a\":".repeat(max + 1) + "1" + "}".repeat(max + 1), "nesting depth");
    // Far deeper, and never closed: refused at the limit, not by a StackOverflowError.
    assertRefused("[{\"a\":".repeat(500_000), "nesting depth");
  }

  @Test
  void hugeStringsNamesNumbersAndDocumentsAreRefused() {
    String atLimit = "x".repeat(Json.MAX_STRING_CHARS);
    assertEquals(atLimit, Json.parse("\"" + atLimit + "\""));
    assertRefused("[\"" + atLimit + "y\"]", "string value length");
    assertRefused("{\"" + "n".repeat(Json.MAX_NAME_CHARS + 1) + "\":1}", "name length");
    assertRefused("1" + "0".repeat(Json.MAX_NUMBER_CHARS), "number value length");
    String padded = " ".repeat(Json.MAX_DOCUMENT_CHARS - 2) + "{}";
    assertEquals(Map.of(), Json.parse(padded));
    assertRefused(padded + " ", "longer than");
  }

  @Test
  void duplicateNamesAreRefusedHoweverTheyAreSpelled() {
    assertRefused("{\"wait\":false,\"wait\":true}", "duplicate member name");
    assertRefused("{\"a\":1,\"\\u0061\":2}", "duplicate member name");
    assertRefused("[{\"x\":{\"b\":[1],\"c\":2,\"b\":3}}]", "duplicate member name");
    assertEquals(2, Json.parseObject("{\"a\":{\"a\":1},\"A\":2}").size());
  }

  @Test
  void textAfterTheValueIsRefused() {
    for (String bad : List.of("{} {}", "1 2", "[]]", "{\"a\":1}x", "\"a\"\"b\"", "null,",
        "true false", "{}\u0000", "1 // comment", "[] /* c */")) {
      assertRefused(bad, "");
    }
  }

  @Test
  void whatIsNotStrictJsonIsRefused() {
    for (String bad : List.of("", "   ", "{", "[1,]", "{\"a\":1,}", "{'a':1}", "{a:1}", "[NaN]",
        "[Infinity]", "[-Infinity]", "+1", ".5", "1.", "01", "-", "1e", "0x10", "\"\\q\"",
        "\"\\u12\"", "\"\\u12g4\"", "\"tab\there\"", "\"line\nbreak\"", "\"open", "tru", "nul",
        "[1 2]", "{\"a\" 1}", "{\"a\":1 \"b\":2}", "\ufeff{}")) {
      assertRefused(bad, "");
    }
  }

  @Test
  void numbersBeyondLongOrDoubleAreRefusedNotRounded() {
    assertRefused("9223372036854775808", "out of range"); // 2^63
    assertRefused("-9223372036854775809", "out of range"); // -2^63 - 1
    assertRefused("{\"size\":18446744073709551616}", "out of range"); // 2^64
    assertRefused("1e999", "out of range");
    assertRefused("[-1e999]", "out of range");
    assertRefused("1.7976931348623159e308", "out of range");
    assertEquals(Double.MAX_VALUE, Json.parse("1.7976931348623157e308"));
    assertEquals(9.223372036854776E18, Json.parse("9223372036854775808.0"),
        "a fraction or exponent says Double, as before");
  }

  @Test
  void invalidUtf8ReachesJsonAsReplacementCharactersAndStaysThere() {
    // The admin server and Files.readString decode bytes before Json sees text: the server
    // replaces a malformed sequence with U+FFFD, Files.readString refuses it.
    byte[] body = "{\"name\":\"a\u0000b\"}".getBytes(StandardCharsets.UTF_8);
    body[10] = (byte) 0xc3; // a lead byte followed by an ASCII byte: malformed
    String decoded = new String(body, StandardCharsets.UTF_8);
    assertEquals("a\ufffdb", Json.parseObject(decoded).get("name"));
    byte[] outside = {'{', (byte) 0xff, '}'};
    assertRefused(new String(outside, StandardCharsets.UTF_8), "");
    // A lone surrogate from an escape is kept as text, never a crash.
    assertEquals("\ud800", Json.parse("\"\\ud800\""));
    assertEquals("\"\ud800\"", Json.encode("\ud800"));
  }

  @Test
  void refusalsNameTheOffsetButNeverEchoTheInput() {
    Json.ParseException e = assertThrows(Json.ParseException.class,
        () -> Json.parse("{\"password\": hunter2secret}"));
    assertTrue(e.getMessage().startsWith("invalid JSON at offset 2"), e.getMessage());
    assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    Json.ParseException dup = assertThrows(Json.ParseException.class,
        () -> Json.parse("{\"token-s3cr3t\":1,\"token-s3cr3t\":2}"));
    assertFalse(dup.getMessage().contains("s3cr3t"), dup.getMessage());
    assertFalse(assertThrows(Json.ParseException.class, () -> Json.parse("[1e999]"))
        .getMessage().contains("999"));
  }

  @Test
  void parallelCallersGetTheSameAnswers() throws Exception {
    String text = Json.encode(randomValue(new Random(3), 0));
    Object expected = Json.parse(text);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        results.add(pool.submit(() -> {
          for (int i = 0; i < 2_000; i++) {
            if (!expected.equals(Json.parse(Json.encode(Json.parse(text))))) {
              return false;
            }
            assertThrows(Json.ParseException.class, () -> Json.parse("{\"a\":1,\"a\":1}"));
          }
          return true;
        }));
      }
      for (Future<Boolean> f : results) {
        assertTrue(f.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static void assertRefused(String text, String reason) {
    Json.ParseException e = assertThrows(Json.ParseException.class, () -> Json.parse(text),
        () -> text.length() > 80 ? text.substring(0, 80) + "..." : text);
    assertTrue(e.getMessage().startsWith("invalid JSON at offset "), e.getMessage());
    assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains(reason), e.getMessage());
  }

  private static int depth(Object v) {
    int d = 0;
    for (Object o = v; o instanceof List<?> || o instanceof Map<?, ?>; d++) {
      Object inner = o instanceof List<?> l ? l.isEmpty() ? null : l.get(0)
          : ((Map<?, ?>) o).values().stream().findFirst().orElse(null);
      o = inner;
    }
    return d;
  }

  private static Object randomValue(Random r, int depth) {
    int kind = r.nextInt(depth > 4 ? 6 : 8);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return r.nextBoolean();
      case 2:
        return r.nextLong() >> r.nextInt(64);
      case 3:
        return r.nextDouble() * Math.pow(10, r.nextInt(40) - 20) * (r.nextBoolean() ? 1 : -1);
      case 4:
      case 5: {
        StringBuilder b = new StringBuilder();
        for (int i = r.nextInt(12); i > 0; i--) {
          b.append((char) (r.nextInt(4) == 0 ? r.nextInt(0x80) : r.nextInt(0xd800)));
        }
        return b.toString();
      }
      case 6: {
        List<Object> l = new ArrayList<>();
        for (int i = r.nextInt(5); i > 0; i--) {
          l.add(randomValue(r, depth + 1));
        }
        return l;
      }
      default: {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = r.nextInt(5); i > 0; i--) {
          m.put("k" + r.nextInt(100), randomValue(r, depth + 1));
        }
        return m;
      }
    }
  }
}
