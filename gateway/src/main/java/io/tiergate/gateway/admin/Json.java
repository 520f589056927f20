package io.tiergate.gateway.admin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.io.SerializedString;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * JSON for the admin API, its CLI and the gateway's own files, on Jackson's streaming parser
 * and generator: objects become {@code LinkedHashMap<String, Object>} (members in order),
 * arrays {@code List<Object>}, numbers {@code Long} when written without a fraction or
 * exponent and {@code Double} otherwise, plus {@code String}, {@code Boolean} and null.
 *
 * <p>Hostile input: parsing is strict RFC 8259 JSON, one value and nothing after it, with
 * limits that Jackson enforces as it reads: at most {@value #MAX_DEPTH} nested arrays and
 * objects, {@value #MAX_DOCUMENT_CHARS} characters of document, {@value #MAX_STRING_CHARS}
 * characters of one string, {@value #MAX_NAME_CHARS} of one member name and {@value
 * #MAX_NUMBER_CHARS} of one number. An object that names a member twice is refused (which of
 * two values a reader takes differs between parsers, so a check made on one could be bypassed
 * through the other), and so is a number that no {@code Long} or finite {@code Double} holds,
 * rather than rounded. A refusal names the offset and the rule, never the text it refused.
 *
 * <p>Encoding writes the same compact text as ever: {@code <} as <code>&#92;u003c</code> so
 * the text is safe inside HTML, control characters other than tab, CR and LF as lower-case
 * <code>&#92;u00xx</code>, NaN and infinities as null, enums by their lower-case name, other
 * objects by {@code toString()}.
 */
public final class Json {
  /** Arrays and objects nested in one another, at most. */
  static final int MAX_DEPTH = 64;
  /**
   * Characters of one document, at most. The admin server stops request bodies at 64 KiB
   * before they get here; this bounds what the CLI reads back and the gateway's own files.
   */
  static final int MAX_DOCUMENT_CHARS = 16 << 20;
  /** Characters of one string value, at most. */
  static final int MAX_STRING_CHARS = MAX_DOCUMENT_CHARS / 4;
  /** Characters of one member name, at most: the admin server's body limit. */
  static final int MAX_NAME_CHARS = 64 << 10;
  /** Characters of one number, at most (Jackson's default, fixed here). */
  static final int MAX_NUMBER_CHARS = 1000;

  private static final JsonFactory FACTORY = new JsonFactoryBuilder()
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxNestingDepth(MAX_DEPTH)
          .maxDocumentLength(MAX_DOCUMENT_CHARS)
          .maxStringLength(MAX_STRING_CHARS)
          .maxNameLength(MAX_NAME_CHARS)
          .maxNumberLength(MAX_NUMBER_CHARS)
          .build())
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .characterEscapes(new Escapes())
      .build();

  private Json() {}

  /** Thrown for text that is not JSON, or not JSON within the limits. */
  public static final class ParseException extends RuntimeException {
    ParseException(String message) {
      super(message);
    }
  }

  /** Encodes a value built of maps, lists, strings, numbers, booleans and null. */
  public static String encode(Object value) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      write(g, value);
    } catch (IOException e) {
      // A StringWriter does not fail; a value nested over 1,000 deep (Jackson's write limit,
      // far beyond anything the gateway builds) does.
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /** Parses one JSON value; trailing non-space text is refused. */
  public static Object parse(String text) {
    if (text.length() > MAX_DOCUMENT_CHARS) {
      throw new ParseException("invalid JSON at offset " + MAX_DOCUMENT_CHARS
          + ": longer than " + MAX_DOCUMENT_CHARS + " characters");
    }
    try (JsonParser p = FACTORY.createParser(text)) {
      try {
        if (p.nextToken() == null) {
          throw refusal(p.currentLocation(), "unexpected end");
        }
        Object v = value(p);
        if (p.nextToken() != null) {
          throw refusal(p.currentTokenLocation(), "unexpected text after the value");
        }
        return v;
      } catch (JsonProcessingException e) {
        // A limit's exception carries no location: where the parser stands then is the place.
        throw refusal(e.getLocation() != null ? e.getLocation() : p.currentLocation(),
            reason(e));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // reading a String does not fail
    }
  }

  /** Parses a JSON object. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parseObject(String text) {
    Object v = parse(text);
    if (!(v instanceof Map)) {
      throw new ParseException("expected a JSON object");
    }
    return (Map<String, Object>) v;
  }

  /** The value that starts at the parser's current token; Jackson bounds the recursion. */
  private static Object value(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t == null) {
      throw refusal(p.currentLocation(), "unexpected end");
    }
    switch (t) {
      case START_OBJECT: {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
          p.nextToken();
          m.put(name, value(p));
        }
        return m;
      }
      case START_ARRAY: {
        List<Object> l = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          l.add(value(p));
        }
        return l;
      }
      case VALUE_STRING:
        return p.getText();
      case VALUE_NUMBER_INT:
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
          throw refusal(p.currentTokenLocation(), "number out of range of a 64-bit integer");
        }
        return p.getLongValue();
      case VALUE_NUMBER_FLOAT: {
        double d = p.getDoubleValue();
        if (Double.isInfinite(d)) {
          throw refusal(p.currentTokenLocation(), "number out of range of a double");
        }
        return d;
      }
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return null;
      default:
        throw refusal(p.currentTokenLocation(), "unexpected " + t);
    }
  }

  private static void write(JsonGenerator g, Object v) throws IOException {
    if (v == null) {
      g.writeNull();
    } else if (v instanceof String str) {
      g.writeString(str);
    } else if (v instanceof Double d) {
      if (d.isNaN() || d.isInfinite()) {
        g.writeNull();
      } else {
        g.writeNumber(d.doubleValue());
      }
    } else if (v instanceof Float f) {
      write(g, f.doubleValue());
    } else if (v instanceof Long l) {
      g.writeNumber(l.longValue());
    } else if (v instanceof Number) {
      g.writeNumber(v.toString()); // Integer, BigInteger, BigDecimal...: their own digits
    } else if (v instanceof Boolean b) {
      g.writeBoolean(b);
    } else if (v instanceof Map<?, ?> m) {
      g.writeStartObject();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        g.writeFieldName(String.valueOf(e.getKey()));
        write(g, e.getValue());
      }
      g.writeEndObject();
    } else if (v instanceof Iterable<?> it) {
      g.writeStartArray();
      for (Object o : it) {
        write(g, o);
      }
      g.writeEndArray();
    } else if (v instanceof Enum<?> e) {
      g.writeString(e.name().toLowerCase(Locale.ROOT));
    } else {
      g.writeString(v.toString());
    }
  }

  private static ParseException refusal(JsonLocation at, String reason) {
    long offset = at == null ? -1 : at.getCharOffset();
    return new ParseException("invalid JSON"
        + (offset >= 0 ? " at offset " + offset : "") + ": " + reason);
  }

  /** Jackson's reason, without the text it quotes: a refused token may be a secret. */
  private static String reason(JsonProcessingException e) {
    String m = e.getOriginalMessage();
    if (e instanceof StreamConstraintsException) {
      return m.replaceAll(", from `[^`]*`", "");
    }
    if (e instanceof JsonEOFException) {
      return "unexpected end";
    }
    if (m == null) {
      return "not JSON";
    }
    if (m.startsWith("Duplicate field")) {
      return "duplicate member name";
    }
    if (m.startsWith("Numeric value") && m.contains("out of range")) {
      return "number out of range";
    }
    if (m.startsWith("Unrecognized token")) {
      return "unexpected word";
    }
    int quote = m.indexOf('\'');
    int end = quote < 0 ? -1 : m.indexOf('\'', quote + 1);
    if (end > quote + 2) {
      // Anything else that quotes more than a character of the input: the rule, not the text.
      return m.substring(0, quote).trim();
    }
    return m;
  }

  /**
   * The escapes the encoder has always written: {@code <} and control characters as
   * lower-case <code>&#92;u00xx</code>, except tab, CR and LF, which keep their short forms.
   */
  private static final class Escapes extends CharacterEscapes {
    private static final long serialVersionUID = 1L;
    private final int[] ascii = standardAsciiEscapesForJSON();
    private final SerializableString[] sequences = new SerializableString['<' + 1];

    Escapes() {
      for (int c = 0; c < 0x20; c++) {
        if (c != '\t' && c != '\n' && c != '\r') {
          custom(c);
        }
      }
      custom('<');
    }

    private void custom(int c) {
      ascii[c] = ESCAPE_CUSTOM;
      sequences[c] = new SerializedString(String.format("\\u%04x", c));
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return ascii;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      return ch >= 0 && ch < sequences.length ? sequences[ch] : null;
    }
  }
}
