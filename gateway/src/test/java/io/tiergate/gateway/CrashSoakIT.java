package io.tiergate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short version of {@code bench/crash-soak}: five cycles of the real {@code ./tiergate
 * run} killed with SIGKILL while qemu-img writes with flushes (and while tier passes and cold
 * reads run), each restarted, read back against the model of flushed writes and checked
 * offline with {@code tiergate verify}. No chunk may be lost or torn, no invariant broken,
 * and the last stop (SIGTERM) must exit 0. The model check itself is tested first on damage
 * it must see. Runs from the build in {@code gateway/target} (the package phase has made it).
 */
class CrashSoakIT {
  private static final Path ROOT = Path.of(System.getProperty("user.dir")).toAbsolutePath()
      .getParent();

  @TempDir
  Path tmp;

  @Test
  void fiveCyclesOfKillAndRestartLoseNoFlushedWrite() throws Exception {
    ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("bench/crash-soak").toString(), "5")
        .directory(ROOT.toFile()).redirectErrorStream(true);
    pb.environment().put("SKIP_BUILD", "1");
    pb.environment().put("DATA_ROOT", tmp.toString());
    pb.environment().put("KILL_WITHIN", "3");
    String out = run(pb, 600);
    assertTrue(out.contains("cycles 5 "), out);
    assertTrue(out.contains("losses: 0 chunks lost, 0 torn; invariant checks 6, violations 0"),
        out);
    assertTrue(out.contains("clean stop: SIGTERM exit status 0"), out);
    Matcher writes = Pattern.compile("flushed writes (\\d+)").matcher(out);
    assertTrue(writes.find() && Integer.parseInt(writes.group(1)) > 0, "no write flushed: " + out);
    assertTrue(out.endsWith("OK: no flushed write lost\n"), out);
  }

  @Test
  void theModelCheckSeesALostAndATornChunk() throws Exception {
    int chunk = 64 << 10;
    byte[] model = new byte[8 * chunk];
    new Random(1).nextBytes(model);
    byte[] pending = new byte[3 * chunk]; // in flight over chunks 2, 3 and 4
    new Random(2).nextBytes(pending);
    Path m = tmp.resolve("model");
    Path p = tmp.resolve("pending");
    Files.write(m, model);
    Files.write(p, pending);
    String pendingArgs = 2 * chunk + " " + pending.length + " " + p;

    byte[] back = model.clone();
    System.arraycopy(pending, 0, back, 2 * chunk, chunk); // chunk 2 written, 3 and 4 not: fine
    assertEquals("chunks 8 ok 8 new 1 lost 0 torn 0", check(m, back, pendingArgs, 0).get(0));

    back[7 * chunk + 100] ^= 1; // a flushed chunk changed
    List<String> lost = check(m, back, pendingArgs, 1);
    assertEquals("chunks 8 ok 7 new 1 lost 1 torn 0", lost.get(0));
    assertTrue(lost.get(1).startsWith("lost chunk at byte " + 7 * chunk), lost.toString());

    back = model.clone();
    System.arraycopy(pending, chunk, back, 3 * chunk, 512); // half of chunk 3: torn
    List<String> torn = check(m, back, pendingArgs, 1);
    assertEquals("chunks 8 ok 7 new 0 lost 0 torn 1", torn.get(0));
  }

  private List<String> check(Path model, byte[] back, String pending, int status)
      throws Exception {
    Path b = tmp.resolve("back");
    Files.write(b, back);
    List<String> cmd = new java.util.ArrayList<>(List.of("python3",
        ROOT.resolve("bench/lib/soak-check.py").toString(), model.toString(), b.toString(),
        Integer.toString(64 << 10)));
    cmd.addAll(List.of(pending.split(" ")));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Process proc = pb.start();
    String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(proc.waitFor(60, TimeUnit.SECONDS));
    assertEquals(status, proc.exitValue(), out);
    return out.lines().toList();
  }

  private String run(ProcessBuilder pb, int seconds) throws Exception {
    Path log = tmp.resolve("soak.out");
    Process p = pb.redirectOutput(log.toFile()).start();
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroy(); // the script's exit trap stops the gateway it started
      p.waitFor(30, TimeUnit.SECONDS);
      fail(String.join(" ", pb.command()) + " timed out:\n" + Files.readString(log));
    }
    String out = Files.readString(log);
    assertEquals(0, p.exitValue(), out);
    return out;
  }
}
