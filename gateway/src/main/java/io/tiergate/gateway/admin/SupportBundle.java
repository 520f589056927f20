package io.tiergate.gateway.admin;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The support package: one zip with the settings, status, volumes, events, a metrics snapshot
 * and the gateway's log files. Settings whose names look secret are replaced by {@value
 * #REDACTED}, and every text file is also scrubbed of the secrets the service knows (CHAP
 * secrets, tokens), so the archive can be mailed to support as it is.
 */
final class SupportBundle {
  static final String REDACTED = "<redacted>";
  private static final Pattern SECRET_NAME = Pattern.compile(
      "(?i).*(pass|secret|token|credential|connection|key|sas).*");
  private static final long MAX_LOG_BYTES = 16 << 20;

  private SupportBundle() {}

  /** Replaces the values of secret-looking settings. */
  static Map<String, String> redact(Map<String, String> settings) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : settings.entrySet()) {
      out.put(e.getKey(), SECRET_NAME.matcher(e.getKey()).matches()
          && !e.getKey().toLowerCase(java.util.Locale.ROOT).endsWith("file")
          ? REDACTED : e.getValue());
    }
    return out;
  }

  static byte[] build(Map<String, String> settings, Object status, Object volumes,
      Path eventsFile, String metrics, Path dataDir, List<String> secrets) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      add(zip, "config.json", Json.encode(redact(settings)), secrets);
      add(zip, "status.json", Json.encode(status), secrets);
      add(zip, "volumes.json", Json.encode(volumes), secrets);
      add(zip, "metrics.txt", metrics, secrets);
      if (Files.exists(eventsFile)) {
        add(zip, "events.jsonl", Files.readString(eventsFile), secrets);
      }
      for (Path dir : List.of(dataDir, dataDir.resolve("logs"))) {
        if (!Files.isDirectory(dir)) {
          continue;
        }
        try (Stream<Path> s = Files.list(dir)) {
          for (Path p : s.filter(f -> f.getFileName().toString().endsWith(".log")).toList()) {
            if (Files.size(p) <= MAX_LOG_BYTES) {
              add(zip, "logs/" + p.getFileName(), Files.readString(p), secrets);
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static void add(ZipOutputStream zip, String name, String text, List<String> secrets)
      throws IOException {
    for (String s : secrets) {
      if (s != null && s.length() >= 4) {
        text = text.replace(s, REDACTED);
      }
    }
    zip.putNextEntry(new ZipEntry(name));
    zip.write(text.getBytes(StandardCharsets.UTF_8));
    zip.closeEntry();
  }
}
