package io.tiergate.gateway.tier;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Scans every byte and every name under a directory for strings that must not be there. */
final class Scan {
  private Scan() {}

  static void assertAbsent(Path root, byte[] marker, byte[] name, List<byte[]> chunkIds)
      throws IOException {
    List<byte[]> needles = new ArrayList<>();
    needles.add(marker);
    needles.add(name);
    for (byte[] id : chunkIds) {
      needles.add(id);
      needles.add(HexFormat.of().formatHex(id).getBytes(StandardCharsets.US_ASCII));
    }
    Map<Integer, List<byte[]>> byPrefix = new HashMap<>();
    for (byte[] n : needles) {
      byPrefix.computeIfAbsent(prefix(n, 0), k -> new ArrayList<>()).add(n);
    }
    long bytes = 0;
    int files = 0;
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String rel = root.relativize(p).toString();
        assertFalse(rel.contains(new String(name, StandardCharsets.US_ASCII)), rel);
        for (byte[] id : chunkIds) {
          assertFalse(rel.contains(HexFormat.of().formatHex(id)), "chunk ID in a name: " + rel);
        }
        if (!Files.isRegularFile(p)) {
          continue;
        }
        byte[] content = Files.readAllBytes(p);
        bytes += content.length;
        files++;
        assertFalse(containsAny(content, byPrefix), "found a forbidden string in " + rel);
      }
    }
    assertTrue(files > 0 && bytes > 0, "scanned nothing under " + root);
  }

  private static int prefix(byte[] b, int off) {
    return (b[off] & 0xff) << 24 | (b[off + 1] & 0xff) << 16 | (b[off + 2] & 0xff) << 8
        | (b[off + 3] & 0xff);
  }

  /** One pass over {@code hay}, looking needles up by their first four bytes. */
  static boolean containsAny(byte[] hay, Map<Integer, List<byte[]>> byPrefix) {
    for (int i = 0; i + 4 <= hay.length; i++) {
      List<byte[]> cands = byPrefix.get(prefix(hay, i));
      if (cands == null) {
        continue;
      }
      for (byte[] n : cands) {
        if (i + n.length <= hay.length
            && Arrays.equals(hay, i, i + n.length, n, 0, n.length)) {
          return true;
        }
      }
    }
    return false;
  }
}
