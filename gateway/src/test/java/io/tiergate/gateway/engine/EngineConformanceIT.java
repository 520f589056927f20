package io.tiergate.gateway.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tiergate.iscsi.IscsiServer;
import io.tiergate.iscsi.TargetConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libiscsi's conformance suite ({@code iscsi-test-cu -d}, every suite of the SCSI and iSCSI
 * families, one suite per run) against an engine volume instead of the memory LUN the target's
 * own conformance test uses: a fresh engine and 64 MiB thin volume per suite. A test that
 * passes or skips in the target's committed baseline ({@code
 * iscsi-target/src/test/resources/conformance/libiscsi-baseline.tsv}) must not fail here.
 * Per-test results go to {@code target/conformance-engine/results.tsv}.
 */
class EngineConformanceIT {
  private static final Logger log = LoggerFactory.getLogger(EngineConformanceIT.class);
  private static final String IQN = "iqn.2026-11.io.tiergate:conformance";
  /** {@code -Dconformance.only=REGEX} narrows the suites, e.g. to reproduce one failure. */
  private static final String ONLY = System.getProperty("conformance.only", ".*");
  private static final Pattern SUITE = Pattern.compile("^Suite: (\\S+)");
  private static final Pattern TEST = Pattern.compile("^\\s+Test: (\\S+) \\.\\.\\.");

  @TempDir
  Path tmp;

  @Test
  void libiscsiSuitesPassOnAnEngineVolume() throws Exception {
    String tool = System.getProperty("iscsi.test.cu", "iscsi-test-cu");
    Path out = Path.of("target/conformance-engine");
    Files.createDirectories(out);
    List<String> suites = suites(tool);
    assertTrue(suites.size() > (ONLY.equals(".*") ? 40 : 0),
        "iscsi-test-cu --list gave too few suites: " + suites);
    Map<String, String> results = new LinkedHashMap<>();
    for (String suite : suites) {
      results.putAll(runSuite(tool, suite, out));
    }
    StringBuilder tsv = new StringBuilder("# engine volume: suite<TAB>test<TAB>outcome\n");
    results.forEach((k, v) -> tsv.append(k).append('\t').append(v).append('\n'));
    Files.writeString(out.resolve("results.tsv"), tsv);

    Map<String, String> baseline = baseline();
    List<String> regressions = new ArrayList<>();
    long failed = 0;
    for (Map.Entry<String, String> e : results.entrySet()) {
      if (e.getValue().equals("FAIL")) {
        failed++;
        if (!"FAIL".equals(baseline.get(e.getKey()))) {
          regressions.add(e.getKey().replace('\t', '.') + ": memory LUN "
              + baseline.getOrDefault(e.getKey(), "absent") + ", engine volume FAIL");
        }
      }
    }
    log.warn("libiscsi on an engine volume: {} tests, {} failed, {} regressions against the "
        + "memory-LUN baseline", results.size(), failed, regressions.size());
    if (!regressions.isEmpty()) {
      fail("fails on an engine volume but not on the memory LUN:\n  "
          + String.join("\n  ", regressions));
    }
  }

  private static List<String> suites(String tool) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(tool, "--list").redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(60, TimeUnit.SECONDS);
    List<String> suites = new ArrayList<>();
    for (String line : text.split("\n")) {
      String s = line.trim();
      if (s.matches("(SCSI|iSCSI)\\.[A-Za-z0-9_]+") && s.matches(ONLY)) {
        suites.add(s);
      }
    }
    return suites;
  }

  private Map<String, String> runSuite(String tool, String suite, Path out) throws Exception {
    Path dir = tmp.resolve(suite);
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.defaults())) {
      Volume volume = engine.createVolume(VolumeSpec.of("conformance", 64L << 20));
      TargetConfig config = TargetConfig.builder().target(IQN, volume, null).build();
      try (IscsiServer server = IscsiServer.start(config, "127.0.0.1", 0)) {
        String url = "iscsi://127.0.0.1:" + server.port() + "/" + IQN + "/0";
        Path logFile = out.resolve(suite + ".log");
        Process p = new ProcessBuilder(tool, "-d", url, "-t", suite)
            .redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          fail(suite + " timed out");
        }
        Map<String, String> r = parse(suite,
            Files.readString(logFile, StandardCharsets.ISO_8859_1));
        Invariants.assertHold(engine);
        return r;
      }
    }
  }

  /**
   * Outcome per test from CUnit's console output. CUnit's verdict for a test is the word
   * {@code passed} or {@code FAILED} that starts the text after "Test: NAME ..." or a later
   * line; libiscsi's own "[FAILED]" lines are messages (some tests provoke and expect them), not
   * verdicts. A passed test that printed "[SKIPPED]" counts as skipped.
   */
  static Map<String, String> parse(String family, String text) {
    Map<String, String> r = new LinkedHashMap<>();
    String suite = family;
    String key = null;
    boolean skipped = false;
    for (String line : text.split("\n")) {
      Matcher s = SUITE.matcher(line);
      if (s.find()) {
        suite = family.substring(0, family.indexOf('.') + 1) + s.group(1);
        key = null;
        continue;
      }
      String rest = line;
      Matcher t = TEST.matcher(line);
      if (t.find()) {
        key = suite + "\t" + t.group(1);
        skipped = false;
        r.put(key, "FAIL");
        rest = line.substring(t.end());
      }
      if (key == null) {
        continue;
      }
      skipped |= rest.contains("[SKIPPED]");
      String word = rest.trim();
      if (word.startsWith("passed")) {
        r.put(key, skipped ? "SKIP" : "PASS");
      } else if (word.startsWith("FAILED")) {
        r.put(key, "FAIL");
      }
    }
    return r;
  }

  private static Map<String, String> baseline() throws IOException {
    Path file = Path.of("../iscsi-target/src/test/resources/conformance/libiscsi-baseline.tsv");
    Map<String, String> m = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return m;
    }
    for (String line : Files.readAllLines(file)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\t");
      m.put(f[0] + "\t" + f[1], f[2].trim());
    }
    return m;
  }
}
