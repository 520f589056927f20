package io.tiergate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.gateway.Main;
import io.tiergate.gateway.admin.Json;
import io.tiergate.gateway.admin.TestGateway;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The snapshot cmdlets as an administrator runs them, each a separate {@code java ... Main}
 * process against a running gateway (as {@link CliIT}): New-Snapshot of one volume and of a
 * group, Get-Snapshot as a table and as JSON, New-VolumeClone with its access, Restore-Volume
 * and its undo snapshot, Remove-Snapshot, their exit codes, Get-Help, and the shell's
 * completion of snapshot ids.
 */
class SnapshotCliIT {
  @TempDir
  static Path tmp;
  static TestGateway gw;
  static String dd;

  record Result(int code, String out, String err) {
    Map<String, Object> json() {
      return Json.parseObject(out);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    gw = TestGateway.start(tmp.resolve("gw"));
    dd = "--data-dir=" + gw.dataDir;
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  static Result cli(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        Main.class.getName()));
    cmd.addAll(List.of(args));
    cmd.add(dd);
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(cmd + " timed out");
    }
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  @Test
  @SuppressWarnings("unchecked")
  void snapshotCloneRestoreAndRemoveWithTablesJsonAndExitCodes() throws Exception {
    assertEquals(0, cli("New-Volume", "-Name", "sv1", "-Size", "64MiB").code());
    assertEquals(0, cli("New-Volume", "-Name", "sv2", "-Size", "64MiB").code());

    Result one = cli("New-Snapshot", "-Volume", "SV1", "-Description", "first one", "-Json");
    assertEquals(0, one.code(), one.err());
    long first = ((Number) one.json().get("id")).longValue();
    assertEquals("sv1", one.json().get("volume"));

    Result group = cli("new-snapshot", "sv1,sv2");
    assertEquals(0, group.code(), group.err());
    assertTrue(group.out().contains("of volume sv1 (consistency group"), group.out());
    assertTrue(group.out().contains("of volume sv2 (consistency group"), group.out());

    Result table = cli("Get-Snapshot", "-Volume", "sv1");
    assertEquals(0, table.code(), table.err());
    assertTrue(table.out().startsWith("Id "), table.out());
    assertTrue(table.out().contains("first one"), table.out());
    List<Object> all = (List<Object>) cli("Get-Snapshot", "-Json").json().get("snapshots");
    // The other test takes one of demo: count these volumes' own.
    assertEquals(3, all.stream().filter(o -> String.valueOf(((Map<String, Object>) o)
        .get("volume")).startsWith("sv")).count(), all.toString());
    Result shown = cli("Get-Snapshot", String.valueOf(first));
    assertEquals(0, shown.code(), shown.err());
    assertTrue(shown.out().contains("Exclusive"), shown.out());

    // A clone needs its access given; -Acl any is the explicit choice of "any initiator".
    Result noAccess = cli("New-VolumeClone", "-Snapshot", String.valueOf(first), "-Name", "c1");
    assertEquals(2, noAccess.code(), noAccess.err());
    assertTrue(noAccess.err().contains("-Acl"), noAccess.err());
    Result clone = cli("New-VolumeClone", "-Snapshot", String.valueOf(first), "-Name", "C1",
        "-Acl", "iqn.1994-05.com.redhat:t1");
    assertEquals(0, clone.code(), clone.err());
    assertTrue(clone.out().contains("Created volume c1 from snapshot " + first + " of sv1: "
        + "target iqn.2026-11.io.tiergate:c1"), clone.out());
    Map<String, Object> c1 = cli("Get-Volume", "c1", "-Json").json();
    assertEquals(List.of("iqn.1994-05.com.redhat:t1"), c1.get("acl"));
    assertEquals(4, cli("New-VolumeClone", "-Snapshot", String.valueOf(first), "-Name", "c1",
        "-Acl", "any").code());

    Result restored = cli("Restore-Volume", "sv1", "-Snapshot", String.valueOf(first));
    assertEquals(0, restored.code(), restored.err());
    assertTrue(restored.out().contains("Restored volume sv1 to snapshot " + first
        + ". To undo: Restore-Volume -Name sv1 -Snapshot "), restored.out());
    Result restoredJson = cli("Restore-Volume", "-Name", "sv1", "-Snapshot",
        String.valueOf(first), "-Force", "-Json");
    assertEquals(0, restoredJson.code(), restoredJson.err());
    long undo = ((Number) ((Map<String, Object>) restoredJson.json().get("undoSnapshot"))
        .get("id")).longValue();
    assertTrue(undo > first);

    // In use by clone c1: 409 is exit 4; unknown ids exit 3; a bad id is a usage error.
    assertEquals(4, cli("Remove-Snapshot", "-Id", String.valueOf(first)).code());
    assertEquals(3, cli("Remove-Snapshot", "-Id", "999999").code());
    assertEquals(2, cli("Remove-Snapshot", "-Id", "x1").code());
    assertEquals(3, cli("Restore-Volume", "nosuch", "-Snapshot", "1").code());
    Result removed = cli("Remove-Snapshot", String.valueOf(undo), "-Json");
    assertEquals(0, removed.code(), removed.err());
    assertEquals((long) undo, removed.json().get("deleted"));
    assertEquals(3, cli("Get-Snapshot", "-Id", String.valueOf(undo)).code());
  }

  @Test
  void helpHasExamplesAndTheShellCompletesSnapshotIds() throws Exception {
    for (String c : List.of("New-Snapshot", "Get-Snapshot", "Remove-Snapshot", "New-VolumeClone",
        "Restore-Volume")) {
      Result h = cli("Get-Help", c);
      assertEquals(0, h.code(), h.err());
      assertTrue(h.out().contains("EXAMPLES") && h.out().contains("PS> ./tiergate " + c),
          h.out());
    }
    assertTrue(cli("Get-Help").out().contains("New-VolumeClone"));
    long id = ((Number) gw.admin("POST", "/api/v1/volumes/demo/snapshots", "{}").json()
        .get("id")).longValue();
    Context ctx = new Context(new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(new ByteArrayOutputStream()), Context.consolePrompter());
    ctx.dataDir = gw.dataDir;
    Shell.CmdletCompleter c = new Shell.CmdletCompleter(ctx);
    String s = String.valueOf(id);
    assertTrue(c.candidates(List.of("Remove-Snapshot", "-Id", ""), 2).contains(s));
    assertTrue(c.candidates(List.of("remove-snapshot", ""), 1).contains(s));
    assertTrue(c.candidates(List.of("New-VolumeClone", "-Snapshot", ""), 2).contains(s));
    assertTrue(c.candidates(List.of("Restore-Volume", "demo", "-Snapshot", ""), 3).contains(s));
    assertTrue(c.candidates(List.of("Restore-Volume", "-Name", ""), 2).contains("demo"));
    assertTrue(c.candidates(List.of("New-Snapshot", "-Volume", ""), 2).contains("demo"));
    assertTrue(c.candidates(List.of("Get-Snapshot", "-Volume", ""), 2).contains("demo"));
    assertTrue(c.candidates(List.of("New-VolumeClone", "-"), 1).containsAll(List.of("-Snapshot",
        "-Name", "-Acl", "-ChapUser")));
  }
}
