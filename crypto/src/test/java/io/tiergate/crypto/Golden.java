package io.tiergate.crypto;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/** Reads a {@code name = value} golden file from the test resources. */
final class Golden {
  private final String file;
  private final Map<String, String> values = new HashMap<>();

  private Golden(String file) {
    this.file = file;
  }

  static Golden load(String file) {
    Golden g = new Golden(file);
    try (InputStream in = Golden.class.getResourceAsStream(file)) {
      if (in == null) {
        throw new IllegalStateException("missing golden file " + file);
      }
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        int eq = line.indexOf('=');
        g.values.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return g;
  }

  String text(String key) {
    String v = values.get(key);
    if (v == null) {
      throw new IllegalStateException(file + " has no " + key);
    }
    return v;
  }

  byte[] hex(String key) {
    return HexFormat.of().parseHex(text(key));
  }

  long number(String key) {
    return Long.parseLong(text(key));
  }
}
