package io.tiergate.iscsi.conformance;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the verbose console output of one {@code iscsi-test-cu -V -t SUITE} run into one
 * outcome per test. libiscsi has no skip status: a test that cannot apply to the device logs
 * {@code [SKIPPED]} and passes, so a passed test whose output says so counts as skipped.
 */
final class CunitReport {

  /** What one test did. */
  enum Outcome { PASS, FAIL, SKIP }

  /** One test's result. */
  record TestResult(String suite, String test, Outcome outcome) {}

  private static final Pattern TEST = Pattern.compile("^  Test: (.+?) \\.\\.\\.(.*)$");
  private static final Pattern SUMMARY =
      Pattern.compile("^\\s+tests\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s*$");

  private CunitReport() {}

  /** Parses the output; {@code ranPassedFailed} receives the summary line's counts (or -1s). */
  static List<TestResult> parse(String suite, String output, int[] ranPassedFailed) {
    List<TestResult> results = new ArrayList<>();
    String current = null;
    boolean skipped = false;
    ranPassedFailed[0] = -1;
    ranPassedFailed[1] = -1;
    ranPassedFailed[2] = -1;
    for (String line : output.split("\n", -1)) {
      Matcher m = TEST.matcher(line);
      String rest = line;
      if (m.matches()) {
        current = m.group(1);
        skipped = false;
        rest = m.group(2);
      }
      Matcher s = SUMMARY.matcher(line);
      if (s.matches()) {
        ranPassedFailed[0] = Integer.parseInt(s.group(2));
        ranPassedFailed[1] = Integer.parseInt(s.group(3));
        ranPassedFailed[2] = Integer.parseInt(s.group(4));
      }
      if (current == null) {
        continue;
      }
      if (rest.contains("[SKIPPED]")) {
        skipped = true;
      }
      // CUnit writes its verdict at column 0 without a newline, so whatever the test's teardown
      // logs next may follow it on the same line; libiscsi's own log lines are indented.
      String verdict = m.matches() ? rest.strip() : rest;
      if (verdict.startsWith("passed")) {
        results.add(new TestResult(suite, current, skipped ? Outcome.SKIP : Outcome.PASS));
        current = null;
      } else if (verdict.startsWith("FAILED")) {
        results.add(new TestResult(suite, current, Outcome.FAIL));
        current = null;
      }
    }
    return results;
  }
}
