package io.tiergate.gateway.admin;

import io.tiergate.gateway.tier.CloudConfig;
import java.time.DayOfWeek;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A weekly upload bandwidth schedule, like a StorSimple bandwidth template: rules of days of
 * the week, a start and end time of day (appliance local time) and a limit. A rule whose end
 * is not after its start runs past midnight into the next day; {@code 24:00} ends at midnight.
 * Rules may not overlap, so at any minute at most one applies; where none does, the default
 * limit ({@code Set-BandwidthLimit}) does.
 *
 * <p>Times are kept as minutes of the week (Monday 00:00 is 0), so a rule is a set of
 * intervals on a circle of {@value #WEEK} minutes, and Sunday night wraps into Monday.
 */
final class BandwidthSchedule {
  static final int DAY = 24 * 60;
  static final int WEEK = 7 * DAY;
  private static final String[] NAMES = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

  /**
   * One rule.
   *
   * @param days the days it starts on
   * @param start minute of the day it starts, 0-1439
   * @param end minute of the day it ends, 1-1440; not after {@code start}: the next day
   * @param limit bytes per second; 0 is unlimited
   */
  record Rule(Set<DayOfWeek> days, int start, int end, long limit) {
    int length() {
      return end > start ? end - start : end + DAY - start;
    }

    boolean activeAt(int minuteOfWeek) {
      for (DayOfWeek d : days) {
        int s = (d.getValue() - 1) * DAY + start;
        if (Math.floorMod(minuteOfWeek - s, WEEK) < length()) {
          return true;
        }
      }
      return false;
    }

    Map<String, Object> toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      List<Object> names = new ArrayList<>();
      for (DayOfWeek d : days) {
        names.add(NAMES[d.getValue() - 1]);
      }
      m.put("days", names);
      m.put("start", time(start));
      m.put("end", time(end));
      m.put("limit", limit > 0 ? limit : "unlimited");
      return m;
    }
  }

  static final BandwidthSchedule EMPTY = new BandwidthSchedule(List.of());

  private final List<Rule> rules;

  BandwidthSchedule(List<Rule> rules) {
    this.rules = List.copyOf(rules);
  }

  List<Rule> rules() {
    return rules;
  }

  /** The index of the rule in force at that local time, or -1 when none is. */
  int ruleAt(LocalDateTime t) {
    int m = (t.getDayOfWeek().getValue() - 1) * DAY + t.getHour() * 60 + t.getMinute();
    for (int i = 0; i < rules.size(); i++) {
      if (rules.get(i).activeAt(m)) {
        return i;
      }
    }
    return -1;
  }

  /** The limit in force at that local time: its rule's, else {@code dflt} (0: unlimited). */
  long limitAt(LocalDateTime t, long dflt) {
    int i = ruleAt(t);
    return i < 0 ? dflt : rules.get(i).limit();
  }

  List<Object> toJson() {
    List<Object> out = new ArrayList<>();
    for (Rule r : rules) {
      out.add(r.toJson());
    }
    return out;
  }

  /**
   * Parses and checks a JSON list of rules ({@code days}, {@code start}, {@code end}, {@code
   * limit}).
   *
   * @throws ApiException 400 naming the field at fault, e.g. {@code rules[1].start}
   */
  static BandwidthSchedule parse(Object json) {
    if (!(json instanceof List<?> list)) {
      throw ApiException.badField("rules", "rules must be a list of {days, start, end, limit}");
    }
    if (list.size() > 100) {
      throw ApiException.badField("rules", "at most 100 rules");
    }
    List<Rule> rules = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String f = "rules[" + i + "]";
      if (!(list.get(i) instanceof Map<?, ?> m)) {
        throw ApiException.badField(f, f + " must be an object {days, start, end, limit}");
      }
      for (Object k : m.keySet()) {
        if (!List.of("days", "start", "end", "limit").contains(k)) {
          throw ApiException.badField(f + "." + k, "unknown field " + k + " (a rule has days, "
              + "start, end, limit)");
        }
      }
      Set<DayOfWeek> days = days(m.get("days"), f + ".days");
      int start = minute(m.get("start"), f + ".start", false);
      int end = minute(m.get("end"), f + ".end", true);
      if (start == end) {
        throw ApiException.badField(f + ".end", f + ".end must differ from start (for a whole "
            + "day use 00:00-24:00)");
      }
      Rule r = new Rule(days, start, end, limit(m.get("limit"), f + ".limit"));
      for (int j = 0; j < rules.size(); j++) {
        String clash = overlap(rules.get(j), r);
        if (clash != null) {
          throw ApiException.badField(f, f + " overlaps rules[" + j + "] on " + clash);
        }
      }
      rules.add(r);
    }
    return new BandwidthSchedule(rules);
  }

  /** Where two rules overlap ("Mon 09:00"), or null. */
  private static String overlap(Rule a, Rule b) {
    for (DayOfWeek da : a.days()) {
      int sa = (da.getValue() - 1) * DAY + a.start();
      for (DayOfWeek db : b.days()) {
        int sb = (db.getValue() - 1) * DAY + b.start();
        if (Math.floorMod(sb - sa, WEEK) < a.length()) {
          return at(sb);
        }
        if (Math.floorMod(sa - sb, WEEK) < b.length()) {
          return at(sa);
        }
      }
    }
    return null;
  }

  private static String at(int minuteOfWeek) {
    return NAMES[minuteOfWeek / DAY] + " " + time(minuteOfWeek % DAY);
  }

  /** A rate as people write it: {@code 10MB/s}, {@code 16MiB/s}, or bytes per second. */
  static String rate(long bytesPerSecond) {
    if (bytesPerSecond <= 0) {
      return "unlimited";
    }
    String[][] units = {{"1000000000", "GB/s"}, {"1073741824", "GiB/s"}, {"1000000", "MB/s"},
        {"1048576", "MiB/s"}, {"1000", "kB/s"}, {"1024", "KiB/s"}};
    for (String[] u : units) {
      long n = Long.parseLong(u[0]);
      if (bytesPerSecond % n == 0) {
        return bytesPerSecond / n + u[1];
      }
    }
    return bytesPerSecond + "B/s";
  }

  static String time(int minuteOfDay) {
    return String.format(Locale.ROOT, "%02d:%02d", minuteOfDay / 60, minuteOfDay % 60);
  }

  private static int minute(Object v, String field, boolean end) {
    if (!(v instanceof String s) || !s.trim().matches("\\d{1,2}:\\d{2}")) {
      throw ApiException.badField(field, field + " must be a time of day HH:MM"
          + (end ? " (24:00 for midnight)" : ""));
    }
    String[] hm = s.trim().split(":");
    int h = Integer.parseInt(hm[0]);
    int m = Integer.parseInt(hm[1]);
    if (m > 59 || h > 24 || h == 24 && (m != 0 || !end)) {
      throw ApiException.badField(field, field + " is not a time of day: " + s
          + (end ? " (00:00 to 24:00)" : " (00:00 to 23:59)"));
    }
    return h * 60 + m;
  }

  private static long limit(Object v, String field) {
    String msg = field + " must be a rate like 10MB/s, a byte count per second, or unlimited";
    if (v instanceof Long n) {
      if (n < 0) {
        throw ApiException.badField(field, msg);
      }
      return n;
    }
    if (!(v instanceof String s)) {
      throw ApiException.badField(field, msg);
    }
    if (s.trim().equalsIgnoreCase("unlimited")) {
      return 0;
    }
    try {
      return CloudConfig.parseRate(s);
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw ApiException.badField(field, msg);
    }
  }

  /**
   * Days as a list or a comma-separated string of {@code Mon}...{@code Sun} (or full names),
   * ranges such as {@code Mon-Fri}, and {@code Weekdays}, {@code Weekend}, {@code Daily}.
   */
  static Set<DayOfWeek> days(Object v, String field) {
    List<String> items = new ArrayList<>();
    if (v instanceof String s) {
      items.addAll(List.of(s.split(",")));
    } else if (v instanceof List<?> l) {
      for (Object o : l) {
        if (!(o instanceof String s)) {
          throw ApiException.badField(field, field + " must be day names");
        }
        items.addAll(List.of(s.split(",")));
      }
    } else {
      throw ApiException.badField(field, field + " is required: day names such as "
          + "[\"Mon\",\"Tue\"], \"Mon-Fri\", \"Weekdays\", \"Weekend\" or \"Daily\"");
    }
    Set<DayOfWeek> out = EnumSet.noneOf(DayOfWeek.class);
    for (String item : items) {
      String t = item.trim().toLowerCase(Locale.ROOT);
      switch (t) {
        case "weekdays" -> out.addAll(EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY));
        case "weekend" -> out.addAll(EnumSet.of(DayOfWeek.SATURDAY, DayOfWeek.SUNDAY));
        case "daily", "everyday", "all" -> out.addAll(EnumSet.allOf(DayOfWeek.class));
        default -> {
          String[] range = t.split("-");
          if (range.length == 1) {
            out.add(day(range[0], field, item));
          } else if (range.length == 2) {
            DayOfWeek a = day(range[0], field, item);
            DayOfWeek b = day(range[1], field, item);
            for (DayOfWeek d = a; ; d = d.plus(1)) {
              out.add(d);
              if (d == b) {
                break;
              }
            }
          } else {
            throw ApiException.badField(field, field + ": not a day or range: " + item);
          }
        }
      }
    }
    if (out.isEmpty()) {
      throw ApiException.badField(field, field + " names no day");
    }
    return out;
  }

  private static DayOfWeek day(String t, String field, String item) {
    for (DayOfWeek d : DayOfWeek.values()) {
      String full = d.name().toLowerCase(Locale.ROOT);
      if (t.length() >= 3 && full.startsWith(t)) {
        return d;
      }
    }
    throw ApiException.badField(field, field + ": not a day: " + item.trim()
        + " (Mon, Tue, ... Sun, Mon-Fri, Weekdays, Weekend, Daily)");
  }
}
