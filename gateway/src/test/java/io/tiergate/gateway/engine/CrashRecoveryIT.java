package io.tiergate.gateway.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill -9 test: a child JVM ({@link CrashChild}) writes with FUA and flushes, and is killed
 * with SIGKILL at random moments (after a random number of operations plus a random delay),
 * 20 times, while a second thread of the child reads and commits dirty chunks into packs.
 * After each kill the engine is reopened here: every
 * operation acknowledged as durable reads back (or a later one that may have reached the log),
 * nothing is torn (a slot holds exactly one operation's image), and the invariants hold.
 * Seeded by {@code -Dcrash.seed} (default fixed) for a reproducible schedule.
 */
class CrashRecoveryIT {
  private static final int KILLS = 20;

  @TempDir
  Path dir;

  /** One operation's image of a slot: (kind, seq), or zeros when never written. */
  private record Op(int kind, long seq) {}

  /** What a slot may read back: its last durable image or one issued after it. */
  private static final class Expect {
    Op durable = new Op(CrashChild.UNMAP, 0);
    List<Op> pending = new ArrayList<>();
    /** Every operation issued on the slot in the current run, for the failure report. */
    List<Op> history = new ArrayList<>();
  }

  /**
   * What each 4 KiB of a slot that matched no expected image holds: the operation of this run
   * whose data it is (or "zero", or "?"), so a failure tells a lost write from a torn or a
   * foreign one.
   */
  private static String describe(byte[] got, long slot, Expect x) {
    StringBuilder sb = new StringBuilder();
    for (int off = 0; off < got.length; off += 4096) {
      String what = "?";
      byte[] part = Arrays.copyOfRange(got, off, off + 4096);
      if (Arrays.equals(part, new byte[4096])) {
        what = "zero";
      }
      for (Op op : x.history) {
        byte[] c = CrashChild.content(op.kind(), op.seq(), slot);
        if (op.kind() != CrashChild.UNMAP
            && Arrays.equals(part, Arrays.copyOfRange(c, off, off + 4096))) {
          what = "seq" + op.seq();
        }
      }
      sb.append(off / 1024).append("K:").append(what).append(' ');
    }
    return sb.toString().trim();
  }

  @Test
  void acknowledgedDurableWritesSurviveSigkill() throws Exception {
    long seed = Long.getLong("crash.seed", 7);
    Random rnd = new Random(seed);
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      engine.createVolume(VolumeSpec.of(CrashChild.VOLUME, CrashChild.VOLUME_BYTES));
    }
    Map<Long, Expect> slots = new HashMap<>();
    long durableOps = 0;
    long issuedOps = 0;
    int packs = 0;
    for (int run = 0; run < KILLS; run++) {
      // Killed at a random point of its operation stream (not of the clock, so a loaded
      // machine slows the test down instead of making it vacuous).
      List<String> lines = runAndKill(run, rnd.nextLong(), 5 + rnd.nextInt(60), rnd.nextInt(30));
      Map<Long, Long> slotOfSeq = new HashMap<>();
      Map<Long, Integer> kindOfSeq = new HashMap<>();
      for (String line : lines) {
        String[] f = line.split(" ");
        switch (f[0]) {
          case "I" -> {
            long seq = Long.parseLong(f[1]);
            long slot = Long.parseLong(f[2]);
            int kind = Integer.parseInt(f[3]);
            issuedOps++;
            slotOfSeq.put(seq, slot);
            kindOfSeq.put(seq, kind);
            Expect x = slots.computeIfAbsent(slot, s -> new Expect());
            x.pending.add(new Op(kind, seq));
            x.history.add(new Op(kind, seq));
          }
          case "D" -> {
            long seq = Long.parseLong(f[1]);
            durable(slots.get(slotOfSeq.get(seq)), seq);
            durableOps++;
          }
          case "F" -> {
            long seq = Long.parseLong(f[1]);
            for (Expect e : slots.values()) {
              durable(e, seq);
            }
          }
          default -> { }
        }
      }
      try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
        Invariants.assertHold(engine);
        packs = engine.tierStore().packs().size();
        Volume v = engine.volume(CrashChild.VOLUME);
        for (Map.Entry<Long, Expect> e : slots.entrySet()) {
          long slot = e.getKey();
          Expect x = e.getValue();
          ByteBuf out = Unpooled.buffer(CrashChild.SLOT_BYTES);
          v.read(CrashChild.slotLba(slot), CrashChild.SLOT_BYTES / 512, out);
          byte[] got = new byte[CrashChild.SLOT_BYTES];
          out.readBytes(got);
          Op match = null;
          List<Op> candidates = new ArrayList<>(x.pending);
          candidates.add(0, x.durable);
          for (Op op : candidates) {
            if (Arrays.equals(got, CrashChild.content(op.kind(), op.seq(), slot))) {
              match = op;
            }
          }
          if (match == null) {
            fail("run " + run + " slot " + slot + ": content matches neither the durable "
                + "operation " + x.durable + " nor a later one " + x.pending + "; ops of the run "
                + "on it " + x.history + "; it holds " + describe(got, slot, x));
          }
          // After a clean close the recovered image is the durable baseline.
          x.durable = match;
          x.pending.clear();
          x.history.clear();
        }
      }
      // Operations are numbered per run; keep seq spaces apart.
      for (Expect e : slots.values()) {
        assertTrue(e.pending.isEmpty());
      }
    }
    assertTrue(durableOps > KILLS && issuedOps >= 5 * KILLS,
        "too few operations: " + issuedOps + " issued, " + durableOps + " acknowledged with FUA");
    assertTrue(packs > 0, "the child's tier thread committed no pack");
    org.slf4j.LoggerFactory.getLogger(CrashRecoveryIT.class).warn(
        "{} SIGKILLs survived: {} operations issued, {} acknowledged with FUA, {} slots checked, "
            + "{} packs committed", KILLS, issuedOps, durableOps, slots.size(), packs);
  }

  private static void durable(Expect e, long seq) {
    if (e == null) {
      return;
    }
    Op last = null;
    List<Op> rest = new ArrayList<>();
    for (Op op : e.pending) {
      if (op.seq() <= seq) {
        last = op;
      } else {
        rest.add(op);
      }
    }
    if (last != null) {
      e.durable = last;
      e.pending = rest;
    }
  }

  private List<String> runAndKill(int run, long seed, int afterOps, long extraMillis)
      throws Exception {
    CrashChildProcess child = CrashChildProcess.start(CrashChild.class, dir.toString(),
        Integer.toString(run), Long.toString(seed));
    child.awaitOperations(afterOps, run);
    Thread.sleep(extraMillis);
    assertTrue(child.process.isAlive(), "child died on its own in run " + run);
    return child.kill();
  }
}
