package io.tiergate.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The weekly bandwidth schedule: which limit applies at a given minute (rule boundaries,
 * midnight, the Sunday-to-Monday wrap), what is refused (overlaps, bad times and days, each
 * naming its field), and the scheduler that applies it with an injected clock.
 */
class BandwidthScheduleTest {
  static final long MB = 1_000_000;
  // 2026-11-30 is a Monday.
  static final LocalDateTime MONDAY = LocalDateTime.of(2026, 11, 30, 0, 0);

  static Map<String, Object> rule(Object days, String start, String end, Object limit) {
    return Map.of("days", days, "start", start, "end", end, "limit", limit);
  }

  static BandwidthSchedule schedule(Object... rules) {
    return BandwidthSchedule.parse(List.of(rules));
  }

  static LocalDateTime at(int dayOffset, int hour, int minute) {
    return MONDAY.plusDays(dayOffset).withHour(hour).withMinute(minute);
  }

  @Test
  void aRuleAppliesFromItsStartMinuteUpToItsEnd() {
    BandwidthSchedule s = schedule(rule("Mon-Fri", "09:00", "17:00", "10MB/s"));
    long dflt = 50 * MB;
    assertEquals(dflt, s.limitAt(at(0, 8, 59), dflt));
    assertEquals(10 * MB, s.limitAt(at(0, 9, 0), dflt));
    assertEquals(10 * MB, s.limitAt(at(4, 16, 59), dflt));
    assertEquals(dflt, s.limitAt(at(4, 17, 0), dflt));
    assertEquals(dflt, s.limitAt(at(5, 12, 0), dflt), "Saturday is not in Mon-Fri");
    assertEquals(0, s.ruleAt(at(2, 12, 0)));
    assertEquals(-1, s.ruleAt(at(6, 12, 0)));
  }

  @Test
  void aRuleThatEndsBeforeItStartsRunsPastMidnight() {
    BandwidthSchedule s = schedule(rule(List.of("Fri"), "22:00", "06:00", "unlimited"),
        rule("Weekdays", "08:00", "18:00", 5 * MB));
    long dflt = 2 * MB;
    assertEquals(dflt, s.limitAt(at(4, 21, 59), dflt));
    assertEquals(0, s.limitAt(at(4, 22, 0), dflt), "unlimited from Friday 22:00");
    assertEquals(0, s.limitAt(at(4, 23, 59), dflt));
    assertEquals(0, s.limitAt(at(5, 0, 0), dflt), "still unlimited after midnight");
    assertEquals(0, s.limitAt(at(5, 5, 59), dflt));
    assertEquals(dflt, s.limitAt(at(5, 6, 0), dflt));
    assertEquals(dflt, s.limitAt(at(0, 3, 0), dflt), "Monday night is not Friday's rule");
    assertEquals(5 * MB, s.limitAt(at(0, 8, 0), dflt));
  }

  @Test
  void sundayNightWrapsIntoMondayAndTwentyFourHundredIsMidnight() {
    BandwidthSchedule s = schedule(rule("Sun", "23:00", "01:00", "1MB/s"),
        rule("Sat", "00:00", "24:00", "7MB/s"));
    assertEquals(MB, s.limitAt(at(6, 23, 30), 9));
    assertEquals(MB, s.limitAt(at(0, 0, 59), 9), "Monday 00:59 is Sunday's rule");
    assertEquals(9, s.limitAt(at(0, 1, 0), 9));
    assertEquals(7 * MB, s.limitAt(at(5, 0, 0), 9));
    assertEquals(7 * MB, s.limitAt(at(5, 23, 59), 9));
    assertEquals(9, s.limitAt(at(6, 0, 0), 9), "24:00 ends at midnight");
  }

  @Test
  void overlapsAndBadValuesAreRefusedNamingTheField() {
    assertField("rules[1]", () -> schedule(rule("Mon-Fri", "09:00", "17:00", "10MB/s"),
        rule("Wed", "16:00", "18:00", "1MB/s")));
    assertField("rules[1]", () -> schedule(rule("Fri", "22:00", "06:00", "1MB/s"),
        rule("Sat", "05:00", "07:00", "1MB/s")));
    assertField("rules[1]", () -> schedule(rule("Sun", "23:00", "02:00", "1MB/s"),
        rule("Mon", "01:00", "03:00", "1MB/s")));
    assertField("rules[0].start", () -> schedule(rule("Mon", "25:00", "26:00", "1MB/s")));
    assertField("rules[0].start", () -> schedule(rule("Mon", "9am", "10:00", "1MB/s")));
    assertField("rules[0].start", () -> schedule(rule("Mon", "24:00", "10:00", "1MB/s")));
    assertField("rules[0].end", () -> schedule(rule("Mon", "09:00", "09:60", "1MB/s")));
    assertField("rules[0].end", () -> schedule(rule("Mon", "09:00", "09:00", "1MB/s")));
    assertField("rules[0].days", () -> schedule(rule("Funday", "09:00", "10:00", "1MB/s")));
    assertField("rules[0].days", () -> schedule(rule(List.of(), "09:00", "10:00", "1MB/s")));
    assertField("rules[0].limit", () -> schedule(rule("Mon", "09:00", "10:00", "fast")));
    assertField("rules[0].limit", () -> schedule(rule("Mon", "09:00", "10:00", -5L)));
    assertField("rules[0].colour", () -> BandwidthSchedule.parse(List.of(Map.of("days", "Mon",
        "start", "09:00", "end", "10:00", "limit", "1MB/s", "colour", "red"))));
    assertField("rules", () -> BandwidthSchedule.parse("Mon 09:00-10:00"));
    // Touching rules do not overlap.
    assertEquals(2, schedule(rule("Mon", "09:00", "10:00", "1MB/s"),
        rule("Mon", "10:00", "11:00", "2MB/s")).rules().size());
  }

  private static void assertField(String field, Runnable r) {
    ApiException e = assertThrows(ApiException.class, r::run);
    assertEquals(400, e.status());
    assertEquals(field, e.field(), e.getMessage());
  }

  @Test
  void daysAcceptNamesRangesAndGroups() {
    assertEquals(5, BandwidthSchedule.days("Weekdays", "d").size());
    assertEquals(2, BandwidthSchedule.days("weekend", "d").size());
    assertEquals(7, BandwidthSchedule.days("Daily", "d").size());
    assertEquals(3, BandwidthSchedule.days(List.of("Monday", "wed,FRI"), "d").size());
    assertEquals(3, BandwidthSchedule.days("Sat-Mon", "d").size(), "a range may wrap");
  }

  @Test
  void theSchedulerAppliesTheLimitOfTheMinuteAndPersistsTheSchedule(@TempDir Path dir)
      throws Exception {
    ZoneId zone = ZoneOffset.UTC;
    MutableClock clock = new MutableClock(at(0, 8, 59).toInstant(ZoneOffset.UTC), zone);
    BandwidthScheduler b = new BandwidthScheduler(dir, clock, () -> null, 3 * MB);
    assertEquals(3 * MB, b.limitNow(), "the flag's limit until a default is set");
    b.setSchedule(schedule(rule("Mon", "09:00", "17:00", "10MB/s")));
    assertEquals(3 * MB, b.apply());
    assertEquals(-1, b.ruleNow());
    clock.now = at(0, 9, 0).toInstant(ZoneOffset.UTC);
    assertEquals(10 * MB, b.apply());
    assertEquals(0, b.ruleNow());
    b.setDefault(0);
    clock.now = at(0, 17, 0).toInstant(ZoneOffset.UTC);
    assertEquals(0, b.apply(), "unlimited default after the rule");
    assertTrue(Files.readString(dir.resolve("bandwidth.json")).contains("10000000"));
    // Saved: a new scheduler (a restart) has the same schedule and default.
    BandwidthScheduler again = new BandwidthScheduler(dir, clock, () -> null, 3 * MB);
    assertEquals(1, again.schedule().rules().size());
    assertEquals(0, again.defaultLimit());
    clock.now = at(7, 9, 30).toInstant(ZoneOffset.UTC);
    assertEquals(10 * MB, again.limitNow(), "next Monday");
    // A damaged file is reported and ignored: the flag's limit applies, nothing else breaks.
    Files.writeString(dir.resolve("bandwidth.json"), "{not json");
    assertEquals(3 * MB, new BandwidthScheduler(dir, clock, () -> null, 3 * MB).limitNow());
  }

  /** A clock a test moves. */
  static final class MutableClock extends Clock {
    Instant now;
    final ZoneId zone;

    MutableClock(Instant now, ZoneId zone) {
      this.now = now;
      this.zone = zone;
    }

    @Override
    public ZoneId getZone() {
      return zone;
    }

    @Override
    public Clock withZone(ZoneId z) {
      return new MutableClock(now, z);
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
