package io.tiergate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogFilesTest {
  @TempDir
  Path dir;

  @Test
  void rotatesBySizeAtLineEndsAndKeepsTheNewestFiles() throws Exception {
    List<String> lines = new ArrayList<>();
    try (LogFiles f = new LogFiles(dir, 1000, 2)) {
      for (int i = 0; i < 100; i++) {
        String line = "line " + i + " " + "x".repeat(40) + "\n";
        lines.add(line);
        byte[] b = line.getBytes(StandardCharsets.UTF_8);
        // Written in two pieces, as a PrintStream may: rotation must not split the line.
        f.write(b, 0, 7);
        f.write(b, 7, b.length - 7);
      }
    }
    assertTrue(Files.exists(dir.resolve("gateway.log")));
    assertTrue(Files.exists(dir.resolve("gateway.1.log")));
    assertTrue(Files.exists(dir.resolve("gateway.2.log")));
    assertFalse(Files.exists(dir.resolve("gateway.3.log")), "keeps only two older files");
    String all = Files.readString(dir.resolve("gateway.2.log"))
        + Files.readString(dir.resolve("gateway.1.log"))
        + Files.readString(dir.resolve("gateway.log"));
    // The newest lines, whole and in order, ending with the last one written.
    assertTrue(String.join("", lines).endsWith(all), all);
    for (String name : List.of("gateway.log", "gateway.1.log", "gateway.2.log")) {
      String text = Files.readString(dir.resolve(name));
      assertTrue(text.startsWith("line "), name + " starts mid-line");
      assertTrue(text.endsWith("\n"), name + " ends mid-line");
      assertTrue(text.length() <= 1000 + 60, name + " is too long: " + text.length());
      assertEquals("rw-------", PosixFilePermissions.toString(
          Files.getPosixFilePermissions(dir.resolve(name))));
    }
  }

  @Test
  void appendsAcrossRestarts() throws Exception {
    try (LogFiles f = new LogFiles(dir, 1 << 20, 2)) {
      f.write("first run\n".getBytes(StandardCharsets.UTF_8));
    }
    try (LogFiles f = new LogFiles(dir, 1 << 20, 2)) {
      f.write("second run\n".getBytes(StandardCharsets.UTF_8));
    }
    assertEquals("first run\nsecond run\n", Files.readString(dir.resolve("gateway.log")));
  }

  @Test
  void aLineLongerThanTheLimitIsKeptWhole() throws Exception {
    String big = "y".repeat(5000) + "\n";
    try (LogFiles f = new LogFiles(dir, 1000, 1)) {
      f.write(big.getBytes(StandardCharsets.UTF_8));
      f.write("after\n".getBytes(StandardCharsets.UTF_8));
    }
    assertEquals(big, Files.readString(dir.resolve("gateway.1.log")));
    assertEquals("after\n", Files.readString(dir.resolve("gateway.log")));
  }
}
