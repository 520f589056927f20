package io.tiergate.gateway.tier;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
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
        for (byte[] n : needles) {
          assertFalse(contains(content, n), "found a forbidden string in " + rel);
        }
      }
    }
    assertTrue(files > 0 && bytes > 0, "scanned nothing under " + root);
  }

  static boolean contains(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
