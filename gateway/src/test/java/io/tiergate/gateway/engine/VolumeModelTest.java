package io.tiergate.gateway.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tiergate.iscsi.spi.BlockDevice.LbaExtent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Model-based test: random sequences of writes, reads, unmaps, write-same and
 * compare-and-write at random offsets and lengths on several volumes, each checked against a
 * plain byte array. Seeded: a failure names its seed and replays exactly. After each sequence,
 * and after a reopen of the engine, the invariants hold and every volume equals its model.
 *
 * <p>Snapshots join the stream: snapshots of one volume or of a group, snapshot deletes,
 * clones of snapshots (clones are volumes of the stream too, and get snapshots and clones of
 * their own), restores, and reads of snapshots, each against a copy of the model taken at
 * the snapshot's instant; after each sequence and reopen every snapshot reads back whole.
 */
class VolumeModelTest {
  private static final int OPS = 400;

  @TempDir
  Path dir;

  /** A volume under test and its oracle. */
  private record Pair(Volume volume, byte[] model) {}

  /** A snapshot under test and its oracle: the model at its instant. */
  private record Snap(long id, String volume, byte[] model) {}

  private final List<Snap> snaps = new ArrayList<>();
  private int clones;

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 20261128})
  void randomOperationsMatchTheModel(long seed) {
    Random rnd = new Random(seed);
    byte[][] pool = new byte[6][];
    for (int p = 0; p < pool.length; p++) {
      pool[p] = new byte[4096];
      rnd.nextBytes(pool[p]);
      if (p == 5) {
        Arrays.fill(pool[p], 1000, 4096, (byte) 0);
      }
    }
    String[] names = {"alpha", "beta", "gamma"};
    int[] chunkSizes = {32 << 10, 64 << 10, 128 << 10};
    long[] sizes = {3L << 20, (4L << 20) + 512 * 7, 5L << 20};
    List<Pair> pairs = new ArrayList<>();
    BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small().withCapacity(
        1L << 30));
    try {
      for (int v = 0; v < names.length; v++) {
        Volume vol = engine.createVolume(new VolumeSpec(names[v], sizes[v], chunkSizes[v],
            v == 0));
        pairs.add(new Pair(vol, new byte[(int) sizes[v]]));
      }
      for (int round = 0; round < 2; round++) {
        for (int op = 0; op < OPS; op++) {
          Pair p = pairs.get(rnd.nextInt(pairs.size()));
          if (rnd.nextInt(12) == 0) {
            snapshotStep(seed, op, rnd, engine, pairs, p);
          } else {
            step(seed, op, rnd, pool, p);
          }
        }
        for (Pair p : pairs) {
          assertWholeVolume(seed, p);
          checkLbaStatus(p);
        }
        assertSnapshots(seed, engine);
        Invariants.assertHold(engine);
        engine.close();
        engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small());
        List<Pair> reopened = new ArrayList<>();
        for (Pair p : pairs) {
          reopened.add(new Pair(engine.volume(p.volume().info().name()), p.model()));
        }
        pairs = reopened;
        for (Pair p : pairs) {
          assertWholeVolume(seed, p);
        }
        assertSnapshots(seed, engine);
        Invariants.assertHold(engine);
      }
      assertTrue(engine.listSnapshots().size() > 0, "seed " + seed + " kept no snapshot");
      SpaceUsage u = engine.usage();
      long logical = 0;
      for (Pair p : pairs) {
        logical += engine.usage(p.volume().info().name()).logicalBytes();
      }
      assertEquals(logical, u.logicalBytes(), "appliance logical = sum of volumes");
      assertTrue(u.storedBytes() <= u.uniqueBytes() + u.chunks() * ChunkCodec.HEADER);
      // Distinct data is at most what the live maps and the snapshot deltas refer to.
      long held = u.logicalBytes();
      for (Snap s : snaps) {
        held += engine.snapshotSpace(s.id()).deltaChunks()
            * engine.volume(s.volume()).info().chunkSize();
      }
      assertTrue(u.uniqueBytes() <= held, u.uniqueBytes() + " unique, " + held + " referenced");
      // A volume whose snapshots a clone depends on stays; without clones it goes with them.
      for (Pair p : pairs) {
        String name = p.volume().info().name();
        try {
          engine.deleteVolume(name);
          snaps.removeIf(s -> s.volume().equals(name));
        } catch (EngineException e) {
          assertEquals(EngineException.Code.SNAPSHOT_IN_USE, e.code());
        }
        Invariants.assertHold(engine);
      }
      assertSnapshots(seed, engine);
    } finally {
      engine.close();
    }
  }

  /** One snapshot operation: take, take for a group, delete, clone, restore, or read. */
  private void snapshotStep(long seed, int op, Random rnd, BlockEngine engine, List<Pair> pairs,
      Pair p) {
    String where = "seed " + seed + " op " + op + " " + p.volume();
    String name = p.volume().info().name();
    List<Snap> mine = snaps.stream().filter(s -> s.volume().equals(name)).toList();
    switch (rnd.nextInt(7)) {
      case 0, 1 -> {
        SnapshotInfo s = engine.createSnapshot(name, "op " + op);
        assertEquals(name, s.volume());
        snaps.add(new Snap(s.id(), name, p.model().clone()));
      }
      case 2 -> {
        Pair q = pairs.get(rnd.nextInt(pairs.size()));
        if (q == p) {
          return;
        }
        List<SnapshotInfo> group = engine.createSnapshot(
            List.of(name, q.volume().info().name()), "group " + op, rnd.nextBoolean());
        assertEquals(2, group.size());
        assertEquals(group.get(0).groupId(), group.get(1).groupId());
        for (SnapshotInfo s : group) {
          byte[] m = s.volume().equals(name) ? p.model() : q.model();
          snaps.add(new Snap(s.id(), s.volume(), m.clone()));
        }
      }
      case 3 -> {
        if (mine.isEmpty()) {
          return;
        }
        Snap s = mine.get(rnd.nextInt(mine.size()));
        boolean cloned = pairs.stream().anyMatch(x -> x.volume().origin() == s.id());
        try {
          engine.deleteSnapshot(s.id());
          assertTrue(!cloned, where + ": a snapshot with a clone was deleted");
          snaps.remove(s);
        } catch (EngineException e) {
          assertTrue(cloned, where + ": " + e);
          assertEquals(EngineException.Code.SNAPSHOT_IN_USE, e.code());
        }
      }
      case 4 -> {
        if (mine.isEmpty() || clones >= 3) {
          return;
        }
        Snap s = mine.get(rnd.nextInt(mine.size()));
        Volume c = engine.cloneSnapshot(s.id(), "clone" + ++clones);
        assertEquals(s.id(), c.origin());
        pairs.add(new Pair(c, s.model().clone()));
      }
      case 5 -> {
        if (mine.isEmpty()) {
          return;
        }
        Snap s = mine.get(rnd.nextInt(mine.size()));
        SnapshotInfo undo = engine.restoreVolume(name, s.id());
        snaps.add(new Snap(undo.id(), name, p.model().clone()));
        System.arraycopy(s.model(), 0, p.model(), 0, p.model().length);
      }
      default -> {
        if (mine.isEmpty()) {
          return;
        }
        Snap s = mine.get(rnd.nextInt(mine.size()));
        long blocks = s.model().length / 512;
        long lba = rnd.nextLong(blocks);
        int n = 1 + rnd.nextInt((int) Math.min(600, blocks - lba));
        ByteBuf out = Unpooled.buffer(n * 512);
        engine.openSnapshot(s.id()).read(lba, n, out);
        byte[] got = new byte[n * 512];
        out.readBytes(got);
        int off = (int) (lba * 512);
        assertArrayEquals(Arrays.copyOfRange(s.model(), off, off + n * 512), got,
            where + " snapshot " + s.id() + " lba " + lba);
      }
    }
  }

  /** Every snapshot the engine lists is one of the model's and reads back whole. */
  private void assertSnapshots(long seed, BlockEngine engine) {
    assertEquals(snaps.stream().map(Snap::id).sorted().toList(),
        engine.listSnapshots().stream().map(SnapshotInfo::id).toList(), "seed " + seed);
    for (Snap s : snaps) {
      SnapshotImage img = engine.openSnapshot(s.id());
      byte[] m = s.model();
      for (long lba = 0; lba < m.length / 512; lba += 256) {
        int n = (int) Math.min(256, m.length / 512 - lba);
        ByteBuf out = Unpooled.buffer(n * 512);
        img.read(lba, n, out);
        byte[] got = new byte[n * 512];
        out.readBytes(got);
        int off = (int) (lba * 512);
        assertArrayEquals(Arrays.copyOfRange(m, off, off + n * 512), got,
            "seed " + seed + " snapshot " + s.id() + " of " + s.volume() + " at lba " + lba);
      }
      SnapshotSpace space = engine.snapshotSpace(s.id());
      assertTrue(space.deltaChunks() <= space.deltaEntries());
    }
  }

  private static byte[] data(Random rnd, byte[][] pool, int len) {
    byte[] b = new byte[len];
    switch (rnd.nextInt(4)) {
      case 0 -> rnd.nextBytes(b);
      case 1 -> {
        for (int off = 0; off < len; off += 512) {
          byte[] src = pool[rnd.nextInt(pool.length)];
          System.arraycopy(src, off % 4096, b, off, 512);
        }
      }
      case 2 -> {
        byte[] src = pool[rnd.nextInt(pool.length)];
        for (int off = 0; off < len; off += 4096) {
          System.arraycopy(src, 0, b, off, Math.min(4096, len - off));
        }
      }
      default -> { }
    }
    return b;
  }

  private void step(long seed, int op, Random rnd, byte[][] pool, Pair p) {
    Volume v = p.volume();
    byte[] m = p.model();
    long blocks = m.length / 512;
    int maxLen = (int) Math.min(blocks, 3 * v.info().chunkSize() / 512 + 7);
    long lba = rnd.nextLong(blocks);
    int n = 1 + rnd.nextInt((int) Math.min(maxLen, blocks - lba));
    int off = (int) (lba * 512);
    int len = n * 512;
    String where = "seed " + seed + " op " + op + " " + v + " lba " + lba + " blocks " + n;
    switch (rnd.nextInt(10)) {
      case 0, 1, 2 -> {
        byte[] d = data(rnd, pool, len);
        ByteBuf buf = Unpooled.wrappedBuffer(d);
        v.write(lba, buf, rnd.nextInt(8) == 0);
        assertEquals(len, buf.readableBytes(), "write must not consume the caller's buffer");
        System.arraycopy(d, 0, m, off, len);
      }
      case 3 -> {
        // A heap buffer with an offset and a direct buffer both work.
        byte[] d = data(rnd, pool, len);
        ByteBuf buf = Unpooled.directBuffer(len + 3).writeBytes(new byte[3]).writeBytes(d);
        buf.readerIndex(3);
        try {
          v.write(lba, buf, false);
        } finally {
          buf.release();
        }
        System.arraycopy(d, 0, m, off, len);
      }
      case 4, 5 -> {
        ByteBuf out = Unpooled.buffer(len);
        v.read(lba, n, out);
        byte[] got = new byte[len];
        out.readBytes(got);
        assertArrayEquals(Arrays.copyOfRange(m, off, off + len), got, where);
      }
      case 6 -> {
        long big = rnd.nextInt(4) == 0 ? blocks - lba : n;
        v.unmap(lba, big);
        Arrays.fill(m, off, (int) (off + big * 512), (byte) 0);
      }
      case 7 -> {
        byte[] block = rnd.nextBoolean() ? new byte[512] : data(rnd, pool, 512);
        if (rnd.nextInt(3) == 0) {
          block = new byte[512];
          rnd.nextBytes(block);
        }
        long count = rnd.nextInt(5) == 0 ? Math.min(blocks - lba, 2000) : n;
        v.writeSame(lba, count, Unpooled.wrappedBuffer(block), rnd.nextBoolean(),
            rnd.nextBoolean());
        for (long k = 0; k < count; k++) {
          System.arraycopy(block, 0, m, (int) ((lba + k) * 512), 512);
        }
      }
      case 8 -> {
        int cn = Math.min(n, 8);
        int clen = cn * 512;
        byte[] expect = Arrays.copyOfRange(m, off, off + clen);
        boolean match = rnd.nextInt(3) != 0;
        int diffAt = -1;
        if (!match) {
          diffAt = rnd.nextInt(clen);
          expect[diffAt] ^= 0x5a;
        }
        byte[] d = data(rnd, pool, clen);
        long r = v.compareAndWrite(lba, Unpooled.wrappedBuffer(expect), Unpooled.wrappedBuffer(d),
            rnd.nextBoolean());
        if (match) {
          assertEquals(-1, r, where);
          System.arraycopy(d, 0, m, off, clen);
        } else {
          assertEquals(diffAt, r, where);
        }
      }
      default -> v.flush();
    }
  }

  private static void assertWholeVolume(long seed, Pair p) {
    Volume v = p.volume();
    byte[] m = p.model();
    int step = 256;
    for (long lba = 0; lba < m.length / 512; lba += step) {
      int n = (int) Math.min(step, m.length / 512 - lba);
      ByteBuf out = Unpooled.buffer(n * 512);
      v.read(lba, n, out);
      byte[] got = new byte[n * 512];
      out.readBytes(got);
      int off = (int) (lba * 512);
      assertArrayEquals(Arrays.copyOfRange(m, off, off + n * 512), got,
          "seed " + seed + " " + v + " at lba " + lba);
    }
  }

  /** Extents tile the volume from the asked LBA, and every mapped-false run reads as zeros. */
  private static void checkLbaStatus(Pair p) {
    Volume v = p.volume();
    List<LbaExtent> all = v.lbaStatus(0, Integer.MAX_VALUE);
    long pos = 0;
    for (LbaExtent e : all) {
      assertEquals(pos, e.lba());
      assertTrue(e.blocks() > 0);
      if (!e.mapped()) {
        for (long b = e.lba() * 512; b < (e.lba() + e.blocks()) * 512; b++) {
          if (p.model()[(int) b] != 0) {
            throw new AssertionError("deallocated extent has data at byte " + b);
          }
        }
      }
      pos += e.blocks();
    }
    assertEquals(v.blockCount(), pos);
    List<LbaExtent> two = v.lbaStatus(3, 2);
    assertTrue(two.size() <= 2);
    assertEquals(3, two.get(0).lba());
  }
}
