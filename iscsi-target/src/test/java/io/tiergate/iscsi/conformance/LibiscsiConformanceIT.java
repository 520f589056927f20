package io.tiergate.iscsi.conformance;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tiergate.iscsi.IscsiServer;
import io.tiergate.iscsi.TargetConfig;
import io.tiergate.iscsi.conformance.CunitReport.Outcome;
import io.tiergate.iscsi.conformance.CunitReport.TestResult;
import io.tiergate.iscsi.device.MemoryBlockDevice;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libiscsi's conformance suite against the real target: every suite of the {@code SCSI} and
 * {@code iSCSI} families of {@code iscsi-test-cu}, one suite per run (as libiscsi's own scripts
 * do), with {@code -d} (destructive tests allowed), each against a fresh in-process server on an
 * ephemeral port serving a fresh thin 64 MiB memory LUN. SCSI.MultipathIO gets the same URL
 * twice, so that its two paths are two sessions to one LUN.
 *
 * <p>Per-test outcomes go to {@code target/conformance/results.tsv} (and each suite's console
 * output beside it), from which {@code src/test/scripts/conformance-table} builds
 * {@code docs/iscsi-conformance.md}. The test fails on any regression against the committed
 * baseline, {@code src/test/resources/conformance/libiscsi-baseline.tsv}: a test that passed
 * there and now fails, skips or is gone, or one that was skipped and now fails or is gone. {@code -Dconformance.updateBaseline=true} rewrites the baseline from this
 * run, for when the target improves.
 */
class LibiscsiConformanceIT {

  private static final Logger LOG = LoggerFactory.getLogger(LibiscsiConformanceIT.class);
  private static final String IQN = "iqn.2026-01.io.tiergate:conformance";
  private static final long LUN_BYTES = 64L << 20;
  private static final long SUITE_TIMEOUT_SECONDS = 600;
  private static final String BASELINE = "conformance/libiscsi-baseline.tsv";

  @Test
  void everyScsiAndIscsiSuite() throws Exception {
    String tool = System.getProperty("iscsi.test.cu", "iscsi-test-cu");
    Path out = Path.of(System.getProperty("conformance.dir", "target/conformance"));
    Files.createDirectories(out);
    List<String> suites = suites(tool);
    assertTrue(suites.size() > 40, "iscsi-test-cu --list gave too few suites: " + suites);
    List<TestResult> all = new ArrayList<>();
    for (String suite : suites) {
      all.addAll(runSuite(tool, suite, out));
    }
    writeResults(all, out.resolve("results.tsv"));
    Map<String, Outcome> baseline = readBaseline();
    if (Boolean.getBoolean("conformance.updateBaseline")) {
      Path source = Path.of("src/test/resources").resolve(BASELINE);
      writeResults(all, source);
      LOG.info("baseline rewritten: {}", source.toAbsolutePath());
      return;
    }
    List<String> regressions = new ArrayList<>();
    Map<String, Outcome> now = new LinkedHashMap<>();
    for (TestResult r : all) {
      now.put(r.suite() + "\t" + r.test(), r.outcome());
    }
    for (Map.Entry<String, Outcome> e : baseline.entrySet()) {
      Outcome was = e.getValue();
      Outcome is = now.get(e.getKey());
      // A pass that turns into a skip counts too: it usually means a command stopped working.
      boolean worse = was == Outcome.PASS ? is != Outcome.PASS
          : was == Outcome.SKIP && is != Outcome.PASS && is != Outcome.SKIP;
      if (worse) {
        regressions.add(e.getKey().replace('\t', '.') + ": " + was + " -> " + is);
      }
      if (was == Outcome.FAIL && is == Outcome.PASS) {
        LOG.info("now passing: {}", e.getKey().replace('\t', '.'));
      }
    }
    long failed = all.stream().filter(r -> r.outcome() == Outcome.FAIL).count();
    LOG.info("libiscsi conformance: {} tests, {} failed; results in {}", all.size(), failed,
        out.resolve("results.tsv").toAbsolutePath());
    if (!regressions.isEmpty()) {
      fail("conformance regressions against " + BASELINE + ":\n  "
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
      if (s.matches("(SCSI|iSCSI)\\.[A-Za-z0-9_]+")) {
        suites.add(s);
      }
    }
    return suites;
  }

  private static List<TestResult> runSuite(String tool, String suite, Path out) throws Exception {
    MemoryBlockDevice device = new MemoryBlockDevice(LUN_BYTES, 512);
    TargetConfig config = TargetConfig.builder().target(IQN, device, null).build();
    try (IscsiServer server = IscsiServer.start(config, "127.0.0.1", 0)) {
      String url = "iscsi://127.0.0.1:" + server.port() + "/" + IQN + "/0";
      Path log = out.resolve(suite + ".log");
      List<String> cmd = new ArrayList<>(List.of(tool, "-d", "-V", url));
      if (suite.equals("SCSI.MultipathIO")) {
        // Two sessions to the same LUN stand in for two paths.
        cmd.add(url);
      }
      cmd.addAll(List.of("-t", suite));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
          .start();
      boolean done = p.waitFor(SUITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      if (!done) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        LOG.warn("{} timed out after {} s", suite, SUITE_TIMEOUT_SECONDS);
      }
      String text = Files.readString(log, StandardCharsets.ISO_8859_1);
      int[] counts = new int[3];
      List<TestResult> results = CunitReport.parse(suite, text, counts);
      long passed = results.stream().filter(r -> r.outcome() != Outcome.FAIL).count();
      long failed = results.size() - passed;
      if (done && (counts[0] != results.size() || counts[1] != passed || counts[2] != failed)) {
        LOG.warn("{}: console summary {} ran/{} passed/{} failed, parsed {}/{}/{}", suite,
            counts[0], counts[1], counts[2], results.size(), passed, failed);
      }
      LOG.info("{}: {} passed, {} failed, {} skipped", suite,
          results.stream().filter(r -> r.outcome() == Outcome.PASS).count(), failed,
          results.stream().filter(r -> r.outcome() == Outcome.SKIP).count());
      return results;
    } finally {
      device.close();
    }
  }

  private static void writeResults(List<TestResult> results, Path file) throws IOException {
    StringBuilder sb = new StringBuilder();
    sb.append("# libiscsi iscsi-test-cu -d, one suite per run, thin 64 MiB memory LUN:"
        + " suite<TAB>test<TAB>PASS|FAIL|SKIP\n");
    for (TestResult r : results) {
      sb.append(r.suite()).append('\t').append(r.test()).append('\t').append(r.outcome())
          .append('\n');
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
  }

  private static Map<String, Outcome> readBaseline() throws IOException {
    Map<String, Outcome> m = new LinkedHashMap<>();
    try (InputStream in = LibiscsiConformanceIT.class.getClassLoader()
        .getResourceAsStream(BASELINE)) {
      if (in == null) {
        return m;
      }
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.split("\t");
        m.put(f[0] + "\t" + f[1], Outcome.valueOf(f[2].trim()));
      }
    }
    return m;
  }
}
