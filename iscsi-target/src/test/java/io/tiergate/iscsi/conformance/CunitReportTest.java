package io.tiergate.iscsi.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tiergate.iscsi.conformance.CunitReport.Outcome;
import io.tiergate.iscsi.conformance.CunitReport.TestResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class CunitReportTest {

  @Test
  void readsPassFailAndSkip() {
    String out = String.join("\n",
        "Suite: StartStopUnit",
        "  Test: Simple ...    [SKIPPED] Media is not removable.",
        "passed",
        "  Test: PwrCnd ...passed    Send PRIN/READ_KEYS",
        "  Test: Broken ...",
        "    Send WRITE10 (Expecting SUCCESS)",
        "    [FAILED] WRITE10 command failed",
        "FAILED",
        "    1. test_x.c:12  - CU_ASSERT_EQUAL(_r,0)",
        "  Test: Quiet ...FAILED",
        "Run Summary:    Type  Total    Ran Passed Failed Inactive",
        "              suites      1      1    n/a      0        0",
        "               tests      4      4      2      2        0",
        "");
    int[] counts = new int[3];
    List<TestResult> r = CunitReport.parse("SCSI.X", out, counts);
    assertEquals(List.of(new TestResult("SCSI.X", "Simple", Outcome.SKIP),
        new TestResult("SCSI.X", "PwrCnd", Outcome.PASS),
        new TestResult("SCSI.X", "Broken", Outcome.FAIL),
        new TestResult("SCSI.X", "Quiet", Outcome.FAIL)), r);
    assertArrayEquals(new int[] {4, 2, 2}, counts);
  }
}
