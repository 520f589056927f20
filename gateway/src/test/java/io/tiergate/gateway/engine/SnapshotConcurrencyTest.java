package io.tiergate.gateway.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tiergate.gateway.kv.Keys;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writers racing consistency-group snapshots of two volumes. Each writer owns every fourth
 * block of both volumes (so writers share chunks), writes one tagged block at a time
 * alternately to the two volumes, and notes a logical clock before each write and after its
 * acknowledgement; the snapshot thread notes the clock before and after each snapshot. Each
 * snapshot must hold, for each writer, exactly a prefix of its writes across both volumes (a
 * cut), containing every write acknowledged before the snapshot was asked for and none
 * issued after it returned. And snapshot calls from parallel callers, with writers running:
 * ids stay unique, a snapshot is deleted once, and the store stays consistent.
 */
class SnapshotConcurrencyTest {
  private static final int WRITERS = 4;
  private static final int BLOCKS = 4096;
  private static final int OPS = 1500;

  @TempDir
  Path dir;

  private static byte[] block(int writer, int op) {
    byte[] b = new byte[512];
    new Random(writer * 100_003L + op).nextBytes(b);
    Keys.putInt(b, 0, writer + 1);
    Keys.putInt(b, 4, op + 1);
    return b;
  }

  private static int blockOf(int writer, int op) {
    return new Random(writer * 7_919L + op).nextInt(BLOCKS / WRITERS) * WRITERS + writer;
  }

  private record Taken(long before, long after, List<SnapshotInfo> group) {}

  @Test
  void eachSnapshotIsACutOfTheAcknowledgedWrites() throws Exception {
    AtomicLong clock = new AtomicLong();
    long[][] started = new long[WRITERS][OPS];
    long[][] acked = new long[WRITERS][OPS];
    List<Taken> taken = new ArrayList<>();
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Volume[] vols = {
        engine.createVolume(new VolumeSpec("a", BLOCKS * 512L, 32 << 10, false)),
        engine.createVolume(new VolumeSpec("b", BLOCKS * 512L, 32 << 10, false))
      };
      ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
      AtomicBoolean done = new AtomicBoolean();
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < WRITERS; t++) {
        int w = t;
        fs.add(pool.submit(() -> {
          for (int i = 0; i < OPS; i++) {
            started[w][i] = clock.incrementAndGet();
            vols[i % 2].write(blockOf(w, i), Unpooled.wrappedBuffer(block(w, i)), false);
            acked[w][i] = clock.incrementAndGet();
          }
          return null;
        }));
      }
      Thread snapper = new Thread(() -> {
        while (!done.get() && taken.size() < 30) {
          long before = clock.incrementAndGet();
          List<SnapshotInfo> g = engine.createSnapshot(List.of("a", "b"), "race", false);
          long after = clock.incrementAndGet();
          synchronized (taken) {
            taken.add(new Taken(before, after, g));
          }
          try {
            Thread.sleep(50);
          } catch (InterruptedException e) {
            return;
          }
        }
      });
      snapper.start();
      for (Future<?> f : fs) {
        f.get();
      }
      done.set(true);
      snapper.join();
      pool.shutdown();

      int inside = 0;
      for (Taken s : taken) {
        byte[][] images = new byte[2][];
        for (int v = 0; v < 2; v++) {
          ByteBuf out = Unpooled.buffer(BLOCKS * 512);
          engine.openSnapshot(s.group().get(v).id()).read(0, BLOCKS, out);
          images[v] = new byte[BLOCKS * 512];
          out.readBytes(images[v]);
        }
        for (int w = 0; w < WRITERS; w++) {
          int cut = cut(images, w);
          int ackedBefore = 0;
          while (ackedBefore < OPS && acked[w][ackedBefore] < s.before()) {
            ackedBefore++;
          }
          int issuedAfter = 0;
          while (issuedAfter < OPS && started[w][issuedAfter] < s.after()) {
            issuedAfter++;
          }
          String what = "snapshot " + s.group().get(0).id() + " writer " + w + ": cut " + cut
              + ", acknowledged before " + ackedBefore + ", issued before return " + issuedAfter;
          assertTrue(cut >= ackedBefore && cut <= issuedAfter, what);
          if (cut > 0 && cut < OPS) {
            inside++;
          }
        }
      }
      assertTrue(inside > 0, "no snapshot fell amid the writes (" + taken.size() + " taken)");
      for (int v = 0; v < 2; v++) {
        byte[] want = new byte[BLOCKS * 512];
        for (int w = 0; w < WRITERS; w++) {
          for (int i = v; i < OPS; i += 2) {
            System.arraycopy(block(w, i), 0, want, blockOf(w, i) * 512, 512);
          }
        }
        assertArrayEquals(want, EngineData.read(vols[v], 0, BLOCKS));
      }
      Invariants.assertHold(engine);
    }
  }

  @Test
  void parallelSnapshotCallsKeepIdsUniqueAndTheStoreConsistent() throws Exception {
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Volume v = engine.createVolume(new VolumeSpec("p", BLOCKS * 512L, 32 << 10, false));
      engine.createVolume(new VolumeSpec("q", BLOCKS * 512L, 32 << 10, false));
      ExecutorService pool = Executors.newFixedThreadPool(6);
      AtomicBoolean done = new AtomicBoolean();
      List<Long> created = java.util.Collections.synchronizedList(new ArrayList<>());
      List<Long> deleted = java.util.Collections.synchronizedList(new ArrayList<>());
      List<Future<?>> writers = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        int me = t;
        writers.add(pool.submit(() -> {
          Random rnd = new Random(me);
          while (!done.get()) {
            byte[] d = new byte[4096];
            rnd.nextBytes(d);
            v.write(rnd.nextInt(BLOCKS - 8), Unpooled.wrappedBuffer(d), false);
          }
          return null;
        }));
      }
      List<Future<?>> admins = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int me = t;
        admins.add(pool.submit(() -> {
          Random rnd = new Random(100 + me);
          for (int i = 0; i < 25; i++) {
            int r = rnd.nextInt(4);
            if (r < 2 || created.isEmpty()) {
              for (SnapshotInfo s : engine.createSnapshot(
                  r == 0 ? List.of("p") : List.of("p", "q"), "t" + me, false)) {
                created.add(s.id());
              }
            } else if (r == 2) {
              long id = created.get(rnd.nextInt(created.size()));
              try {
                engine.deleteSnapshot(id);
                deleted.add(id);
              } catch (EngineException e) {
                // Another caller deleted it first.
                assertTrue(e.code() == EngineException.Code.NO_SUCH_SNAPSHOT, e.toString());
              }
            } else {
              long id = created.get(rnd.nextInt(created.size()));
              try {
                if (engine.snapshot(id).volume().equals("p")) {
                  created.add(engine.restoreVolume("p", id).id());
                }
              } catch (EngineException e) {
                assertTrue(e.code() == EngineException.Code.NO_SUCH_SNAPSHOT, e.toString());
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> f : admins) {
        f.get();
      }
      done.set(true);
      for (Future<?> f : writers) {
        f.get();
      }
      pool.shutdown();
      assertEquals(created.size(), new java.util.HashSet<>(created).size(), "ids unique");
      assertEquals(deleted.size(), new java.util.HashSet<>(deleted).size(), "deleted once");
      List<Long> left = new ArrayList<>(created);
      left.removeAll(deleted);
      left.sort(null);
      assertEquals(left, engine.listSnapshots().stream().map(SnapshotInfo::id).toList());
      for (long id : left) {
        ByteBuf out = Unpooled.buffer(BLOCKS * 512);
        engine.openSnapshot(id).read(0, BLOCKS, out);
        out.release();
      }
      Invariants.assertHold(engine);
    }
  }

  @Test
  void aSnapshotReadsTheSameWhileNewerOnesComeAndGo() throws Exception {
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Volume v = engine.createVolume(new VolumeSpec("r", 256 * 512L * 64, 32 << 10, false));
      byte[] model = EngineData.random(256 * 512 * 64, 21);
      v.write(0, Unpooled.wrappedBuffer(model), false);
      SnapshotInfo oldest = engine.createSnapshot("r", "oldest");
      AtomicBoolean done = new AtomicBoolean();
      ExecutorService pool = Executors.newFixedThreadPool(2);
      // Readers of the oldest snapshot while newer snapshots take its preimages and, deleted,
      // hand them back to it.
      Future<Integer> reader = pool.submit(() -> {
        int reads = 0;
        Random rnd = new Random(5);
        while (!done.get()) {
          int lba = rnd.nextInt(model.length / 512 - 256);
          ByteBuf out = Unpooled.buffer(256 * 512);
          engine.openSnapshot(oldest.id()).read(lba, 256, out);
          byte[] got = new byte[256 * 512];
          out.readBytes(got);
          out.release();
          assertArrayEquals(java.util.Arrays.copyOfRange(model, lba * 512, lba * 512 + got.length),
              got, "read " + reads + " at lba " + lba);
          reads++;
        }
        return reads;
      });
      Random rnd = new Random(6);
      List<Long> newer = new ArrayList<>();
      for (int round = 0; round < 40; round++) {
        newer.add(engine.createSnapshot("r", "newer").id());
        byte[] d = EngineData.random(8 * (32 << 10), round);
        v.write(rnd.nextInt(64 - 8) * 64L, Unpooled.wrappedBuffer(d), false);
        if (newer.size() > 3 || rnd.nextBoolean()) {
          engine.deleteSnapshot(newer.remove(rnd.nextInt(newer.size())));
        }
      }
      done.set(true);
      assertTrue(reader.get() > 0);
      pool.shutdown();
      Invariants.assertHold(engine);
    }
  }

  /**
   * The number of writer {@code w}'s first writes that the images hold: the last write seen,
   * checked to be a prefix (every block of the writer holds the state after exactly those).
   */
  private static int cut(byte[][] images, int w) {
    int last = 0;
    for (int v = 0; v < 2; v++) {
      for (int b = w; b < BLOCKS; b += WRITERS) {
        last = Math.max(last, Keys.getInt(images[v], b * 512 + 4));
      }
    }
    byte[][] want = {new byte[BLOCKS * 512], new byte[BLOCKS * 512]};
    for (int i = 0; i < last; i++) {
      System.arraycopy(block(w, i), 0, want[i % 2], blockOf(w, i) * 512, 512);
    }
    for (int v = 0; v < 2; v++) {
      for (int b = w; b < BLOCKS; b += WRITERS) {
        for (int k = 0; k < 512; k++) {
          if (want[v][b * 512 + k] != images[v][b * 512 + k]) {
            throw new AssertionError("writer " + w + ": not a prefix of its writes at block "
                + b + " of volume " + v + " (last write seen " + last + ")");
          }
        }
      }
    }
    return last;
  }
}
