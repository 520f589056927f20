package io.tiergate.gateway.admin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The appliance's event and alert log: a bounded list of the most recent events (warnings,
 * errors and the audit trail of every admin action), persisted as JSON lines in {@code
 * admin/events.jsonl} so it survives restarts. Appends go to the end of the file; when it holds
 * twice the bound it is rewritten with the newest half, so it never grows without limit.
 */
final class EventLog {
  private static final Logger log = LoggerFactory.getLogger(EventLog.class);

  /** How bad an event is. */
  enum Severity {
    INFO, WARNING, ERROR;

    static Severity parse(String s) {
      try {
        return valueOf(s.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw ApiException.badField("severity", "severity must be info, warning or error");
      }
    }
  }

  /**
   * One event.
   *
   * @param id sequence number, increasing
   * @param time when it happened
   * @param severity how bad
   * @param category {@code audit} for admin actions, {@code security}, {@code system}, ...
   * @param actor who did it (user and address) for audit events, else {@code gateway}
   * @param message what happened, without secrets
   */
  record Event(long id, Instant time, Severity severity, String category, String actor,
      String message) {

    Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", id);
      m.put("time", time.toString());
      m.put("severity", severity);
      m.put("category", category);
      m.put("actor", actor);
      m.put("message", message);
      return m;
    }

    static Event fromJson(Map<String, Object> m) {
      return new Event(((Number) m.get("id")).longValue(), Instant.parse((String) m.get("time")),
          Severity.parse((String) m.get("severity")), (String) m.get("category"),
          (String) m.get("actor"), (String) m.get("message"));
    }
  }

  private final Path file;
  private final int capacity;
  private final ArrayDeque<Event> events = new ArrayDeque<>();
  private long nextId = 1;
  private int linesInFile;

  EventLog(Path file, int capacity) {
    this.file = file;
    this.capacity = capacity;
    load();
  }

  private void load() {
    if (!Files.exists(file)) {
      return;
    }
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (line.isBlank()) {
          continue;
        }
        linesInFile++;
        try {
          Event e = Event.fromJson(Json.parseObject(line));
          add(e);
          nextId = Math.max(nextId, e.id() + 1);
        } catch (RuntimeException e) {
          // A torn last line after a crash: skip it, keep the rest.
          log.warn("skipping an unreadable line of {}", file);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private void add(Event e) {
    events.addLast(e);
    while (events.size() > capacity) {
      events.removeFirst();
    }
  }

  /** Records an event, logs it and persists it. */
  synchronized Event record(Severity severity, String category, String actor, String message) {
    Event e = new Event(nextId++, Instant.now(), severity, category, actor, message);
    add(e);
    switch (severity) {
      case ERROR -> log.error("[{}] {}: {}", category, actor, message);
      case WARNING -> log.warn("[{}] {}: {}", category, actor, message);
      default -> log.info("[{}] {}: {}", category, actor, message);
    }
    try {
      if (linesInFile >= 2 * capacity) {
        StringBuilder b = new StringBuilder();
        for (Event x : events) {
          b.append(Json.encode(x.toJson())).append('\n');
        }
        SecureFiles.write(file, b.toString().getBytes(StandardCharsets.UTF_8));
        linesInFile = events.size();
      } else {
        if (!Files.exists(file)) {
          // Created owner-only: the trail names who did what to which volume.
          SecureFiles.write(file, new byte[0]);
        }
        Files.writeString(file, Json.encode(e.toJson()) + "\n", StandardCharsets.UTF_8,
            StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        linesInFile++;
      }
    } catch (IOException | UncheckedIOException ex) {
      log.error("cannot persist an event to {}: {}", file, ex.getMessage());
    }
    return e;
  }

  /** Newest first, at most {@code limit}, optionally at least {@code minSeverity}. */
  synchronized List<Event> recent(int limit, Severity minSeverity, String category) {
    List<Event> out = new ArrayList<>();
    var it = events.descendingIterator();
    while (it.hasNext() && out.size() < limit) {
      Event e = it.next();
      if ((minSeverity == null || e.severity().compareTo(minSeverity) >= 0)
          && (category == null || category.equalsIgnoreCase(e.category()))) {
        out.add(e);
      }
    }
    return out;
  }

  /** The file the events are kept in. */
  Path file() {
    return file;
  }
}
