package io.tiergate.iscsi.login;

import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code key=value} text format of RFC 7143 section 6.1: UTF-8 pairs, each terminated by a
 * NUL byte.
 */
public final class TextKeys {
  /** Longest key name allowed (section 6.1). */
  static final int MAX_KEY_LENGTH = 63;

  private TextKeys() {}

  /** Thrown for text that is not a sequence of well-formed pairs. */
  public static final class MalformedTextException extends Exception {
    MalformedTextException(String message) {
      super(message);
    }
  }

  /**
   * Parses pairs in order. A key that appears twice is a protocol error (section 6.2).
   *
   * @throws MalformedTextException when a pair has no '=', a key is empty or too long, or is
   *     repeated
   */
  public static Map<String, String> parse(byte[] text) throws MalformedTextException {
    Map<String, String> keys = new LinkedHashMap<>();
    int start = 0;
    for (int i = 0; i <= text.length; i++) {
      if (i == text.length || text[i] == 0) {
        if (i > start) {
          String pair = new String(text, start, i - start, StandardCharsets.UTF_8);
          int eq = pair.indexOf('=');
          if (eq <= 0 || eq > MAX_KEY_LENGTH) {
            throw new MalformedTextException("malformed key=value pair");
          }
          String key = pair.substring(0, eq);
          if (keys.putIfAbsent(key, pair.substring(eq + 1)) != null) {
            throw new MalformedTextException("key " + key + " repeated");
          }
        }
        start = i + 1;
      }
    }
    return keys;
  }

  /** Reads a data segment's bytes without consuming them. */
  public static byte[] bytes(ByteBuf data) {
    byte[] b = new byte[data.readableBytes()];
    data.getBytes(data.readerIndex(), b);
    return b;
  }

  /** Encodes pairs in order, each terminated by NUL. */
  public static byte[] encode(Map<String, String> keys) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Map.Entry<String, String> e : keys.entrySet()) {
      byte[] pair = (e.getKey() + "=" + e.getValue()).getBytes(StandardCharsets.UTF_8);
      out.write(pair, 0, pair.length);
      out.write(0);
    }
    return out.toByteArray();
  }
}
