package io.tiergate.gateway.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON encoder and parser for the admin API and its CLI: objects become {@code
 * LinkedHashMap<String, Object>}, arrays {@code List<Object>}, numbers {@code Long} when
 * integral and {@code Double} otherwise, plus {@code String}, {@code Boolean} and null.
 * Nesting is limited so that hostile input cannot exhaust the stack, and an object that names
 * a member twice is refused.
 */
public final class Json {
  private static final int MAX_DEPTH = 64;

  private final String s;
  private int pos;

  private Json(String s) {
    this.s = s;
  }

  /** Thrown for text that is not JSON. */
  public static final class ParseException extends RuntimeException {
    ParseException(String message) {
      super(message);
    }
  }

  /** Encodes a value built of maps, lists, strings, numbers, booleans and null. */
  public static String encode(Object value) {
    StringBuilder b = new StringBuilder();
    write(b, value);
    return b.toString();
  }

  /** Parses one JSON value; trailing non-space text is refused. */
  public static Object parse(String text) {
    Json p = new Json(text);
    p.skipSpace();
    Object v = p.value(0);
    p.skipSpace();
    if (p.pos != text.length()) {
      throw p.error("unexpected text after the value");
    }
    return v;
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

  private static void write(StringBuilder b, Object v) {
    if (v == null) {
      b.append("null");
    } else if (v instanceof String str) {
      quote(b, str);
    } else if (v instanceof Double d) {
      b.append(d.isNaN() || d.isInfinite() ? "null" : d.toString());
    } else if (v instanceof Float f) {
      write(b, f.doubleValue());
    } else if (v instanceof Number || v instanceof Boolean) {
      b.append(v);
    } else if (v instanceof Map<?, ?> m) {
      b.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) {
          b.append(',');
        }
        first = false;
        quote(b, String.valueOf(e.getKey()));
        b.append(':');
        write(b, e.getValue());
      }
      b.append('}');
    } else if (v instanceof Iterable<?> it) {
      b.append('[');
      boolean first = true;
      for (Object o : it) {
        if (!first) {
          b.append(',');
        }
        first = false;
        write(b, o);
      }
      b.append(']');
    } else if (v instanceof Enum<?> e) {
      quote(b, e.name().toLowerCase(java.util.Locale.ROOT));
    } else {
      quote(b, v.toString());
    }
  }

  private static void quote(StringBuilder b, String str) {
    b.append('"');
    for (int i = 0; i < str.length(); i++) {
      char c = str.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '<' -> b.append("\\u003c"); // safe to embed in HTML
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }

  private ParseException error(String what) {
    return new ParseException("invalid JSON at offset " + pos + ": " + what);
  }

  private void skipSpace() {
    while (pos < s.length() && " \t\r\n".indexOf(s.charAt(pos)) >= 0) {
      pos++;
    }
  }

  private Object value(int depth) {
    if (depth > MAX_DEPTH) {
      throw error("nested too deeply");
    }
    if (pos >= s.length()) {
      throw error("unexpected end");
    }
    char c = s.charAt(pos);
    switch (c) {
      case '{':
        return object(depth);
      case '[':
        return array(depth);
      case '"':
        return string();
      case 't':
        return literal("true", Boolean.TRUE);
      case 'f':
        return literal("false", Boolean.FALSE);
      case 'n':
        return literal("null", null);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          return number();
        }
        throw error("unexpected character");
    }
  }

  private Object literal(String word, Object v) {
    if (!s.startsWith(word, pos)) {
      throw error("unexpected word");
    }
    pos += word.length();
    return v;
  }

  private Map<String, Object> object(int depth) {
    Map<String, Object> m = new LinkedHashMap<>();
    pos++;
    skipSpace();
    if (pos < s.length() && s.charAt(pos) == '}') {
      pos++;
      return m;
    }
    while (true) {
      skipSpace();
      if (pos >= s.length() || s.charAt(pos) != '"') {
        throw error("expected a member name");
      }
      int keyAt = pos;
      String key = string();
      if (m.containsKey(key)) {
        // Two values for one name: which one a reader takes differs between parsers, so a
        // check made on one could be bypassed through the other. Refused, never guessed.
        pos = keyAt;
        throw error("duplicate member name");
      }
      skipSpace();
      expect(':');
      skipSpace();
      m.put(key, value(depth + 1));
      skipSpace();
      if (pos < s.length() && s.charAt(pos) == ',') {
        pos++;
        continue;
      }
      expect('}');
      return m;
    }
  }

  private List<Object> array(int depth) {
    List<Object> l = new ArrayList<>();
    pos++;
    skipSpace();
    if (pos < s.length() && s.charAt(pos) == ']') {
      pos++;
      return l;
    }
    while (true) {
      skipSpace();
      l.add(value(depth + 1));
      skipSpace();
      if (pos < s.length() && s.charAt(pos) == ',') {
        pos++;
        continue;
      }
      expect(']');
      return l;
    }
  }

  private void expect(char c) {
    if (pos >= s.length() || s.charAt(pos) != c) {
      throw error("expected '" + c + "'");
    }
    pos++;
  }

  private String string() {
    pos++;
    StringBuilder b = new StringBuilder();
    while (true) {
      if (pos >= s.length()) {
        throw error("unterminated string");
      }
      char c = s.charAt(pos++);
      if (c == '"') {
        return b.toString();
      }
      if (c == '\\') {
        if (pos >= s.length()) {
          throw error("unterminated escape");
        }
        char e = s.charAt(pos++);
        switch (e) {
          case '"', '\\', '/' -> b.append(e);
          case 'b' -> b.append('\b');
          case 'f' -> b.append('\f');
          case 'n' -> b.append('\n');
          case 'r' -> b.append('\r');
          case 't' -> b.append('\t');
          case 'u' -> {
            if (pos + 4 > s.length()) {
              throw error("short unicode escape");
            }
            try {
              b.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
            } catch (NumberFormatException x) {
              throw error("bad unicode escape");
            }
            pos += 4;
          }
          default -> throw error("bad escape");
        }
      } else if (c < 0x20) {
        throw error("control character in string");
      } else {
        b.append(c);
      }
    }
  }

  private Object number() {
    int start = pos;
    if (s.charAt(pos) == '-') {
      pos++;
    }
    boolean integral = true;
    while (pos < s.length()) {
      char c = s.charAt(pos);
      if (c >= '0' && c <= '9') {
        pos++;
      } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
        integral = false;
        pos++;
      } else {
        break;
      }
    }
    String n = s.substring(start, pos);
    try {
      if (integral) {
        return Long.parseLong(n);
      }
      return Double.parseDouble(n);
    } catch (NumberFormatException e) {
      throw error("bad number");
    }
  }
}
