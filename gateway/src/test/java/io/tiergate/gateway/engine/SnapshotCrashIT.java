package io.tiergate.gateway.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill -9 test of snapshots: a child JVM ({@link SnapshotCrashChild}) writes, takes, deletes
 * and restores snapshots, and dies by SIGKILL at a random point of its operation stream, or
 * halts itself after a batch of a snapshot creation, deletion or restore. After each death the
 * engine is reopened here and must equal the model of all returned operations with the one in
 * flight either complete or absent: the volume's content, the set of snapshots and each
 * snapshot's content; and the invariants hold (no delta entry of a deleted snapshot, no
 * unfinished deletion or restore, refcounts equal all references).
 */
class SnapshotCrashIT {
  private static final int RUNS = 20;

  @TempDir
  Path dir;

  /** The expected state: chunk tags of the volume and of each snapshot, by id. */
  private static final class Model {
    long[] live = new long[SnapshotCrashChild.CHUNKS];
    TreeMap<Long, long[]> snaps = new TreeMap<>();
    long lastId;

    Model copy() {
      Model m = new Model();
      m.live = live.clone();
      for (Map.Entry<Long, long[]> e : snaps.entrySet()) {
        m.snaps.put(e.getKey(), e.getValue());
      }
      m.lastId = lastId;
      return m;
    }

    /** Applies operation {@code f} (an I line); {@code result} is its id, -1 if unknown. */
    void apply(int run, String[] f, long result) {
      long seq = Long.parseLong(f[1]);
      int kind = Integer.parseInt(f[2]);
      int first = Integer.parseInt(f[3]);
      int count = Integer.parseInt(f[4]);
      long id = Long.parseLong(f[5]);
      switch (kind) {
        case SnapshotCrashChild.WRITE -> {
          for (int c = first; c < first + count; c++) {
            live[c] = SnapshotCrashChild.tag(run, seq, c);
          }
        }
        case SnapshotCrashChild.UNMAP -> Arrays.fill(live, first, first + count, 0);
        case SnapshotCrashChild.SNAPSHOT -> {
          lastId = result >= 0 ? result : lastId + 1;
          snaps.put(lastId, live.clone());
        }
        case SnapshotCrashChild.DELETE -> snaps.remove(id);
        default -> {
          lastId = result >= 0 ? result : lastId + 1;
          snaps.put(lastId, live.clone());
          live = snaps.get(id).clone();
        }
      }
    }
  }

  @Test
  void snapshotOperationsAreCompleteOrAbsentAfterSigkill() throws Exception {
    Random rnd = new Random(Long.getLong("crash.seed", 11));
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      engine.createVolume(new VolumeSpec(SnapshotCrashChild.VOLUME,
          (long) SnapshotCrashChild.CHUNKS * SnapshotCrashChild.CHUNK,
          SnapshotCrashChild.CHUNK, false));
    }
    Model model = new Model();
    int[] pendingKinds = new int[5];
    int halted = 0;
    for (int run = 0; run < RUNS; run++) {
      boolean halt = run % 2 == 1;
      Child c = runAndKill(run, rnd.nextLong(), halt ? 1 + rnd.nextInt(6) : 0,
          5 + rnd.nextInt(40), rnd.nextInt(30));
      halted += c.halted ? 1 : 0;
      String[] pending = null;
      for (String line : c.lines) {
        String[] f = line.split(" ");
        if (f[0].equals("I")) {
          pending = f;
        } else if (f[0].equals("D")) {
          model.apply(run, pending, Long.parseLong(f[2]) == 0 ? -1 : Long.parseLong(f[2]));
          pending = null;
        }
      }
      List<Model> candidates = new ArrayList<>();
      candidates.add(model);
      if (pending != null) {
        pendingKinds[Integer.parseInt(pending[2])]++;
        Model done = model.copy();
        done.apply(run, pending, -1);
        candidates.add(0, done);
      }
      try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
        Invariants.assertHold(engine);
        Model match = null;
        for (Model m : candidates) {
          if (match == null && matches(engine, m)) {
            match = m;
          }
        }
        if (match == null) {
          fail("run " + run + ": the state is neither before nor after the operation in flight "
              + (pending == null ? "(none)" : String.join(" ", pending)));
        }
        model = match;
      }
    }
    assertTrue(halted > 0, "no child halted between batches");
    for (int kind : new int[] {SnapshotCrashChild.SNAPSHOT, SnapshotCrashChild.DELETE,
        SnapshotCrashChild.RESTORE}) {
      assertTrue(pendingKinds[kind] > 0, "no crash during an operation of kind " + kind + ": "
          + Arrays.toString(pendingKinds));
    }
    org.slf4j.LoggerFactory.getLogger(SnapshotCrashIT.class).warn("{} crashes ({} between "
        + "batches); operations in flight by kind (write, unmap, snapshot, delete, restore): {}",
        RUNS, halted, Arrays.toString(pendingKinds));
  }

  private static boolean matches(BlockEngine engine, Model m) {
    List<Long> ids = engine.listSnapshots(SnapshotCrashChild.VOLUME).stream()
        .map(SnapshotInfo::id).toList();
    if (!ids.equals(new ArrayList<>(m.snaps.keySet()))) {
      return false;
    }
    Volume v = engine.volume(SnapshotCrashChild.VOLUME);
    if (!same(m.live, (lba, n, out) -> v.read(lba, n, out))) {
      return false;
    }
    for (Map.Entry<Long, long[]> e : m.snaps.entrySet()) {
      SnapshotImage img = engine.openSnapshot(e.getKey());
      if (!same(e.getValue(), img::read)) {
        return false;
      }
    }
    return true;
  }

  private interface Reader {
    void read(long lba, int blocks, ByteBuf out);
  }

  private static boolean same(long[] tags, Reader r) {
    int per = SnapshotCrashChild.CHUNK / 512;
    for (int c = 0; c < tags.length; c++) {
      ByteBuf out = Unpooled.buffer(SnapshotCrashChild.CHUNK);
      r.read((long) c * per, per, out);
      byte[] got = new byte[SnapshotCrashChild.CHUNK];
      out.readBytes(got);
      if (!Arrays.equals(got, SnapshotCrashChild.content(tags[c]))) {
        return false;
      }
    }
    return true;
  }

  private record Child(List<String> lines, boolean halted) {}

  private Child runAndKill(int run, long seed, int haltAfter, int afterOps, long extraMillis)
      throws Exception {
    CrashChildProcess child = CrashChildProcess.start(SnapshotCrashChild.class, dir.toString(),
        Integer.toString(run), Long.toString(seed), Integer.toString(haltAfter));
    child.awaitOperations(afterOps, run);
    Process p = child.process;
    boolean halted;
    if (haltAfter > 0) {
      // It stops itself between two batches; if it has not yet, a SIGKILL after a while.
      halted = p.waitFor(20, TimeUnit.SECONDS);
    } else {
      Thread.sleep(extraMillis);
      assertTrue(p.isAlive(), "child died on its own in run " + run);
      halted = false;
    }
    List<String> lines = child.kill();
    if (halted && p.exitValue() != 137) {
      fail("child of run " + run + " failed with exit code " + p.exitValue());
    }
    return new Child(lines, halted);
  }
}
