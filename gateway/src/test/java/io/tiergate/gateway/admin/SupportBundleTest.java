package io.tiergate.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SupportBundleTest {
  @TempDir
  Path data;

  @Test
  void carriesTheRotatedGatewayLogsScrubbedOfKnownSecrets() throws Exception {
    Path logs = Files.createDirectories(data.resolve("logs"));
    Files.writeString(logs.resolve("gateway.log"), "now: chap secret s3cr3t-chap-value\n");
    Files.writeString(logs.resolve("gateway.1.log"), "before: started\n");
    Files.writeString(logs.resolve("notes.txt"), "not a log\n");

    byte[] zip = SupportBundle.build(Map.of("data-dir", data.toString()), Map.of(), List.of(),
        data.resolve("events.jsonl"), "# metrics\n", data, List.of("s3cr3t-chap-value"));

    Map<String, String> entries = new TreeMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        entries.put(e.getName(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
    assertEquals("before: started\n", entries.get("logs/gateway.1.log"));
    String now = entries.get("logs/gateway.log");
    assertTrue(now.contains("chap secret " + SupportBundle.REDACTED), now);
    assertFalse(entries.containsKey("logs/notes.txt"));
    for (String text : entries.values()) {
      assertFalse(text.contains("s3cr3t-chap-value"));
    }
  }
}
