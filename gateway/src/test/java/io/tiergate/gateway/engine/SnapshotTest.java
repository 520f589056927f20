package io.tiergate.gateway.engine;

import static io.tiergate.gateway.engine.EngineData.random;
import static io.tiergate.gateway.engine.EngineData.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tiergate.gateway.kv.Column;
import io.tiergate.gateway.kv.KvBatch;
import io.tiergate.gateway.kv.KvIterator;
import io.tiergate.gateway.kv.KvStore;
import io.tiergate.gateway.kv.Keys;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Local snapshots, clones and restores of the engine, one behaviour at a time. */
class SnapshotTest {
  private static final int CHUNK = 64 << 10;
  private static final int BPC = CHUNK / 512;

  @TempDir
  Path dir;

  private static byte[] snapshotRead(BlockEngine engine, long id, long lba, int blocks) {
    ByteBuf out = Unpooled.buffer(blocks * 512);
    engine.openSnapshot(id).read(lba, blocks, out);
    byte[] b = new byte[blocks * 512];
    out.readBytes(b);
    return b;
  }

  private static long entries(BlockEngine engine, long volumeId, long epoch) {
    long n = 0;
    try (KvIterator it = engine.store().scan(Column.BLOCKMAP,
        Layout.blockKey(volumeId, epoch, 0), Layout.blockKey(volumeId, epoch + 1, 0))) {
      for (; it.valid(); it.next()) {
        n++;
      }
    }
    return n;
  }

  @Test
  void aSnapshotCopiesNothingAndKeepsOverwrittenDataWithItsReference() {
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Volume v = engine.createVolume(VolumeSpec.of("v", 64L * CHUNK));
      byte[] before = random(16 * CHUNK, 1);
      v.write(0, Unpooled.wrappedBuffer(before), false);
      long blockMapKeys = engine.store().longProperty(Column.BLOCKMAP,
          "rocksdb.estimate-num-keys");
      SnapshotInfo s = engine.createSnapshot("v", "before");
      assertEquals("v", s.volume());
      assertEquals("before", s.description());
      assertEquals(0, s.groupId());
      assertEquals(0, entries(engine, v.info().id(), s.epoch()), "no entry copied");
      assertEquals(blockMapKeys, engine.store().longProperty(Column.BLOCKMAP,
          "rocksdb.estimate-num-keys"));
      SpaceUsage u = engine.usage();

      byte[] after = random(4 * CHUNK, 2);
      v.write(2L * BPC, Unpooled.wrappedBuffer(after), false);
      v.unmap(8L * BPC, 2L * BPC);
      v.write(40L * BPC, Unpooled.wrappedBuffer(after), false); // into a hole
      // 4 overwritten, 2 punched, 4 filled holes: 10 preimages moved.
      assertEquals(10, entries(engine, v.info().id(), s.epoch()));
      assertEquals(u.chunks() + 4, engine.usage().chunks(), "preimages keep their chunks");
      Invariants.assertHold(engine);

      assertArrayEquals(before, snapshotRead(engine, s.id(), 0, 16 * BPC));
      assertArrayEquals(new byte[4 * CHUNK], snapshotRead(engine, s.id(), 40L * BPC, 4 * BPC));
      SnapshotSpace space = engine.snapshotSpace(s.id());
      assertEquals(10, space.deltaEntries());
      assertEquals(6, space.deltaChunks());
      assertTrue(space.exclusiveBytes() > 0);

      engine.deleteSnapshot(s.id());
      assertEquals(List.of(), engine.listSnapshots());
      assertEquals(u.chunks() + 4 - 6, engine.usage().chunks(), "its chunks are freed");
      assertThrows(EngineException.class, () -> engine.openSnapshot(s.id()));
      Invariants.assertHold(engine);
    }
  }

  @Test
  void aGroupSnapshotIsOneInstantOfSeveralVolumes() {
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Volume a = engine.createVolume(VolumeSpec.of("a", 8L * CHUNK));
      Volume b = engine.createVolume(VolumeSpec.of("b", 8L * CHUNK));
      byte[] da = random(CHUNK, 3);
      byte[] db = random(CHUNK, 4);
      a.write(0, Unpooled.wrappedBuffer(da), false);
      b.write(0, Unpooled.wrappedBuffer(db), false);
      List<SnapshotInfo> g = engine.createSnapshot(List.of("b", "a"), "pair", true);
      assertEquals(List.of("a", "b"), g.stream().map(SnapshotInfo::volume).toList());
      assertEquals(g.get(0).id(), g.get(0).groupId());
      assertEquals(g.get(0).id(), g.get(1).groupId());
      assertTrue(g.get(0).policy());
      a.write(0, Unpooled.wrappedBuffer(db), false);
      b.write(0, Unpooled.wrappedBuffer(da), false);
      assertArrayEquals(da, snapshotRead(engine, g.get(0).id(), 0, BPC));
      assertArrayEquals(db, snapshotRead(engine, g.get(1).id(), 0, BPC));
      assertEquals(List.of(g.get(1)), engine.listSnapshots("b"));
      assertThrows(EngineException.class,
          () -> engine.createSnapshot(List.of("a", "a"), "twice", false));
      assertEquals(EngineException.Code.INVALID_ARGUMENT, assertThrows(EngineException.class,
          () -> engine.createSnapshot("a", "x".repeat(2000))).code());
      Invariants.assertHold(engine);
    }
  }

  @Test
  void deletingAMiddleSnapshotHandsItsEntriesToTheOlderOne() {
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Volume v = engine.createVolume(VolumeSpec.of("v", 8L * CHUNK));
      byte[] d0 = random(2 * CHUNK, 5);
      v.write(0, Unpooled.wrappedBuffer(d0), false);
      SnapshotInfo s1 = engine.createSnapshot("v", "1");
      SnapshotInfo s2 = engine.createSnapshot("v", "2");
      byte[] d1 = random(2 * CHUNK, 6);
      v.write(0, Unpooled.wrappedBuffer(d1), false); // preimages go to s2's delta only
      SnapshotInfo s3 = engine.createSnapshot("v", "3");
      v.write(0, Unpooled.wrappedBuffer(random(CHUNK, 7)), false);
      engine.deleteSnapshot(s2.id());
      assertEquals(2, entries(engine, v.info().id(), s1.epoch()), "moved to the older one");
      assertArrayEquals(d0, snapshotRead(engine, s1.id(), 0, 2 * BPC));
      assertArrayEquals(d1, snapshotRead(engine, s3.id(), 0, 2 * BPC));
      Invariants.assertHold(engine);
      engine.deleteSnapshot(s1.id());
      assertArrayEquals(d1, snapshotRead(engine, s3.id(), 0, 2 * BPC));
      Invariants.assertHold(engine);
    }
  }

  @Test
  void aCloneReadsItsOriginAndNeverChangesIt() {
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Volume v = engine.createVolume(VolumeSpec.of("v", 8L * CHUNK));
      byte[] d = random(4 * CHUNK, 8);
      v.write(0, Unpooled.wrappedBuffer(d), false);
      SnapshotInfo s = engine.createSnapshot("v", "origin");
      v.write(0, Unpooled.wrappedBuffer(random(4 * CHUNK, 9)), false);
      Volume c = engine.cloneSnapshot(s.id(), "c");
      assertEquals(0, entries(engine, c.info().id(), Layout.LIVE_EPOCH), "O(1): nothing copied");
      assertEquals(v.info().sizeBytes(), c.info().sizeBytes());
      assertArrayEquals(d, read(c, 0, 4 * BPC));
      // A partial write merges with the origin's chunk; a hole hides the origin's data.
      byte[] part = random(512, 10);
      c.write(1, Unpooled.wrappedBuffer(part), false);
      c.unmap(2L * BPC, BPC);
      byte[] want = d.clone();
      System.arraycopy(part, 0, want, 512, 512);
      java.util.Arrays.fill(want, 2 * CHUNK, 3 * CHUNK, (byte) 0);
      assertArrayEquals(want, read(c, 0, 4 * BPC));
      assertArrayEquals(d, snapshotRead(engine, s.id(), 0, 4 * BPC), "the snapshot unchanged");
      assertEquals(EngineException.Code.SNAPSHOT_IN_USE,
          assertThrows(EngineException.class, () -> engine.deleteSnapshot(s.id())).code());
      assertEquals(EngineException.Code.SNAPSHOT_IN_USE,
          assertThrows(EngineException.class, () -> engine.deleteVolume("v")).code());
      Invariants.assertHold(engine);
      engine.close();
      try (BlockEngine again = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
        assertArrayEquals(want, read(again.volume("c"), 0, 4 * BPC));
        again.deleteVolume("c");
        again.deleteSnapshot(s.id());
        again.deleteVolume("v");
        assertEquals(0, again.usage().chunks());
        Invariants.assertHold(again);
      }
    }
  }

  @Test
  void aRestoreCanItselfBeUndone() {
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Volume v = engine.createVolume(VolumeSpec.of("v", 8L * CHUNK));
      byte[] d0 = random(8 * CHUNK, 11);
      v.write(0, Unpooled.wrappedBuffer(d0), false);
      SnapshotInfo s = engine.createSnapshot("v", "good");
      v.write(0, Unpooled.wrappedBuffer(random(3 * CHUNK, 12)), false);
      v.unmap(5L * BPC, 2L * BPC);
      byte[] bad = read(v, 0, 8 * BPC);
      SnapshotInfo undo = engine.restoreVolume("v", s.id());
      assertArrayEquals(d0, read(v, 0, 8 * BPC));
      assertArrayEquals(bad, snapshotRead(engine, undo.id(), 0, 8 * BPC));
      Invariants.assertHold(engine);
      engine.restoreVolume("v", undo.id());
      assertArrayEquals(bad, read(v, 0, 8 * BPC));
      assertArrayEquals(d0, snapshotRead(engine, s.id(), 0, 8 * BPC));
      assertEquals(3, engine.listSnapshots("v").size());
      Invariants.assertHold(engine);
    }
  }

  @Test
  void theVerifierCountsDeltaReferencesAndFindsEntriesOfDeletedSnapshots() {
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Volume v = engine.createVolume(VolumeSpec.of("v", 8L * CHUNK));
      v.write(0, Unpooled.wrappedBuffer(random(CHUNK, 14)), false);
      SnapshotInfo s = engine.createSnapshot("v", "s");
      v.write(0, Unpooled.wrappedBuffer(random(CHUNK, 15)), false);
      Invariants.assertHold(engine);
      byte[] key = Layout.blockKey(v.info().id(), s.epoch(), 0);
      byte[] preimage = engine.store().get(Column.BLOCKMAP, key);
      try (KvBatch b = engine.store().newBatch()) {
        // The preimage under the epoch of a snapshot that does not exist, as a lost delete
        // would leave it: orphaned, and the chunk's reference now counted there only.
        b.delete(Column.BLOCKMAP, key);
        b.put(Column.BLOCKMAP, Layout.blockKey(v.info().id(), s.epoch() + 7, 0), preimage);
        engine.store().write(b, false);
      }
      List<String> problems = EngineVerifier.verify(engine, false);
      assertTrue(problems.stream().anyMatch(p -> p.contains("left by a deleted snapshot")),
          problems.toString());
      try (KvBatch b = engine.store().newBatch()) {
        b.delete(Column.BLOCKMAP, Layout.blockKey(v.info().id(), s.epoch() + 7, 0));
        engine.store().write(b, false);
      }
      problems = EngineVerifier.verify(engine, false);
      assertTrue(problems.stream().anyMatch(p -> p.contains("refcount 1 but 0 references")),
          problems.toString());
    }
  }

  @Test
  void aFormatTwoDirectoryReadsUnchangedAndIsUpgraded() {
    byte[] d = random(8 * CHUNK, 13);
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      engine.createVolume(VolumeSpec.of("v", 16L * CHUNK)).write(0, Unpooled.wrappedBuffer(d),
          false);
    }
    try (KvStore kv = KvStore.open(dir, EngineConfig.small().kv())) {
      // What format 2 wrote: bare 32-byte chunk IDs in the live map, and version 2.
      try (KvIterator it = kv.scan(Column.BLOCKMAP, new byte[0], null)) {
        for (; it.valid(); it.next()) {
          assertEquals(32, it.value().length);
        }
      }
      setFormat(kv, 2);
    }
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      assertEquals(3, Keys.getInt(engine.store().get(Column.META, Layout.META_FORMAT), 0));
      Volume v = engine.volume("v");
      assertArrayEquals(d, read(v, 0, 8 * BPC));
      Invariants.assertHold(engine);
      SnapshotInfo s = engine.createSnapshot("v", "after upgrade");
      v.write(0, Unpooled.wrappedBuffer(new byte[CHUNK]), false);
      assertArrayEquals(d, snapshotRead(engine, s.id(), 0, 8 * BPC));
      Invariants.assertHold(engine);
    }
    try (KvStore kv = KvStore.open(dir, EngineConfig.small().kv())) {
      setFormat(kv, 4);
    }
    EngineException e = assertThrows(EngineException.class,
        () -> BlockEngine.openWithLocalKey(dir, EngineConfig.small()));
    assertEquals(EngineException.Code.UNSUPPORTED_FORMAT, e.code());
  }

  private static void setFormat(KvStore kv, int version) {
    byte[] f = new byte[4];
    Keys.putInt(f, 0, version);
    try (KvBatch b = kv.newBatch()) {
      b.put(Column.META, Layout.META_FORMAT, f);
      kv.write(b, true);
    }
  }
}
