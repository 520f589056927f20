package io.tiergate.appliance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The shipped Prometheus rules and Grafana dashboard name only meters the gateway exports, as
 * the README's meter table documents them (which the gateway's MeterDocumentationTest keeps
 * in step with the real scrape), and the dashboard shows every documented meter.
 */
class OpsMetersTest {
  private static final Pattern TABLE_ROW =
      Pattern.compile("^\\| `(tiergate_[a-z0-9_]+)` \\| (timer|counter|gauge)\\b", Pattern.MULTILINE);
  private static final Pattern METER = Pattern.compile("\\btiergate_[a-z0-9_]+");
  private static final Path OPS = Path.of("ops");

  /** Documented meter -> the series names Prometheus sees for it. */
  private static TreeMap<String, Set<String>> documented() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    TreeMap<String, Set<String>> meters = new TreeMap<>();
    Matcher m = TABLE_ROW.matcher(readme);
    while (m.find()) {
      String name = m.group(1);
      meters.put(name, m.group(2).equals("timer")
          ? Set.of(name + "_count", name + "_sum", name + "_max") : Set.of(name));
    }
    assertTrue(meters.size() >= 20, "the README's meter table was not found: " + meters);
    return meters;
  }

  private static Set<String> exported() throws IOException {
    Set<String> all = new TreeSet<>();
    documented().values().forEach(all::addAll);
    return all;
  }

  private static Set<String> named(String text) {
    Set<String> names = new TreeSet<>();
    Matcher m = METER.matcher(text);
    while (m.find()) {
      names.add(m.group());
    }
    return names;
  }

  /** Every series name the shipped rules and dashboard query. */
  static Set<String> usedByOpsFiles(Path ops) throws IOException {
    Set<String> used = new TreeSet<>(named(Files.readString(
        ops.resolve("prometheus/tiergate-rules.yml")).lines()
        .filter(l -> l.trim().startsWith("expr:")).reduce("", (a, b) -> a + "\n" + b)));
    for (JsonNode panel : new ObjectMapper()
        .readTree(ops.resolve("grafana/tiergate-dashboard.json").toFile()).get("panels")) {
      for (JsonNode target : panel.get("targets")) {
        used.addAll(named(target.get("expr").asText()));
      }
    }
    return used;
  }

  @Test
  void alertRulesNameOnlyExportedMeters() throws IOException {
    String rules = Files.readString(OPS.resolve("prometheus/tiergate-rules.yml"));
    Set<String> used = named(rules.lines().filter(l -> l.trim().startsWith("expr:"))
        .reduce("", (a, b) -> a + "\n" + b));
    assertFalse(used.isEmpty());
    used.removeAll(exported());
    assertEquals(Set.of(), used, "rules name meters the gateway does not export");
  }

  @Test
  void dashboardParsesNamesOnlyExportedMetersAndShowsEveryOne() throws IOException {
    JsonNode dashboard = new ObjectMapper()
        .readTree(OPS.resolve("grafana/tiergate-dashboard.json").toFile());
    assertEquals("tiergate", dashboard.get("uid").asText());
    StringBuilder exprs = new StringBuilder();
    ArrayList<String> titles = new ArrayList<>();
    for (JsonNode panel : dashboard.get("panels")) {
      titles.add(panel.get("title").asText());
      assertTrue(panel.get("targets").size() > 0, panel.get("title") + " has no query");
      for (JsonNode target : panel.get("targets")) {
        exprs.append(target.get("expr").asText()).append('\n');
      }
    }
    assertEquals(titles.size(), new TreeSet<>(titles).size(), "panel titles repeat: " + titles);
    Set<String> used = named(exprs.toString());
    Set<String> unknown = new TreeSet<>(used);
    unknown.removeAll(exported());
    assertEquals(Set.of(), unknown, "the dashboard names meters the gateway does not export");
    Set<String> missing = new TreeSet<>();
    documented().forEach((meter, series) -> {
      if (series.stream().noneMatch(used::contains)) {
        missing.add(meter);
      }
    });
    assertEquals(Set.of(), missing, "documented meters the dashboard does not show");
  }
}
