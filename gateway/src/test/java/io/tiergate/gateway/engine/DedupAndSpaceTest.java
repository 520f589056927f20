package io.tiergate.gateway.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tiergate.iscsi.spi.BlockDeviceException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deduplication across volumes, holes, compression accounting and the capacity limit. */
class DedupAndSpaceTest {
  private static final int MIB = 1 << 20;

  @TempDir
  Path dir;

  @Test
  void sameDataOnTwoVolumesIsStoredOnceAndZerosTakeNoSpace() {
    int total = 256 * MIB;
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Volume a = engine.createVolume(VolumeSpec.of("a", 512L * MIB));
      Volume b = engine.createVolume(VolumeSpec.of("b", 512L * MIB));
      byte[] buf = new byte[MIB];
      for (Volume v : new Volume[] {a, b}) {
        Random rnd = new Random(42);
        for (int off = 0; off < total; off += MIB) {
          rnd.nextBytes(buf);
          v.write(off / 512, Unpooled.wrappedBuffer(buf), false);
        }
      }
      SpaceUsage u = engine.usage();
      assertEquals(2L * total, u.logicalBytes());
      assertTrue(u.storedBytes() <= total * 1.02, "stored " + u.storedBytes());
      assertTrue(u.storedBytes() >= total, "random data does not shrink");
      assertEquals(2.0, u.dedupRatio(), 0.01);
      long diskBefore = u.storedBytes();

      // Zeros written over a range map nothing and store nothing.
      byte[] zeros = new byte[MIB];
      for (int off = 0; off < 16 * MIB; off += MIB) {
        a.write((300L * MIB + off) / 512, Unpooled.wrappedBuffer(zeros), false);
      }
      assertEquals(diskBefore, engine.usage().storedBytes());
      assertEquals(2L * total, engine.usage().logicalBytes());

      SpaceUsage va = engine.usage("a");
      assertEquals(total, va.logicalBytes());
      assertEquals(total / (64 << 10), va.chunks(), total / (64 << 10) * 0.03);
      Invariants.assertHold(engine);

      // Unmapping one copy releases references but the other keeps the chunks alive.
      a.unmap(0, a.blockCount());
      assertEquals(total, engine.usage().logicalBytes());
      Invariants.assertHold(engine);
      b.unmap(0, b.blockCount());
      assertEquals(0, engine.usage().storedBytes());
      assertEquals(0, engine.usage().chunks());
      Invariants.assertHold(engine);
    }
  }

  @Test
  void compressibleDataIsCompressedAndReadsBack() {
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Volume v = engine.createVolume(VolumeSpec.of("text", 16L * MIB));
      byte[] text = new byte[4 * MIB];
      byte[] words = "the quick brown fox jumps over the lazy dog 0123456789 ".getBytes();
      Random rnd = new Random(7);
      String[] vocabulary = new String(words).split(" ");
      for (int i = 0; i < text.length; ) {
        byte[] w = (vocabulary[rnd.nextInt(vocabulary.length)] + " ").getBytes();
        int n = Math.min(w.length, text.length - i);
        System.arraycopy(w, 0, text, i, n);
        i += n;
      }
      v.write(8, Unpooled.wrappedBuffer(text), true);
      SpaceUsage u = engine.usage();
      assertTrue(u.compressionRatio() > 2, "compression ratio " + u.compressionRatio());
      ByteBuf out = Unpooled.buffer(text.length);
      v.read(8, text.length / 512, out);
      byte[] got = new byte[text.length];
      out.readBytes(got);
      assertArrayEquals(text, got);
      Invariants.assertHold(engine);
    }
  }

  @Test
  void capacityLimitFailsWritesCleanly() {
    EngineConfig config = EngineConfig.small().withCapacity(2 * MIB);
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, config)) {
      Volume v = engine.createVolume(VolumeSpec.of("full", 64L * MIB));
      byte[] first = new byte[MIB];
      new Random(1).nextBytes(first);
      v.write(0, Unpooled.wrappedBuffer(first), true);
      byte[] more = new byte[4 * MIB];
      new Random(2).nextBytes(more);
      BlockDeviceException e = assertThrows(BlockDeviceException.class,
          () -> v.write(4096, Unpooled.wrappedBuffer(more), true));
      assertEquals(BlockDeviceException.Kind.SPACE_ALLOCATION_FAILED, e.kind());
      assertTrue(engine.usage().storedBytes() <= 2 * MIB);
      // Duplicates and holes still fit: they need no new space.
      v.write(8192, Unpooled.wrappedBuffer(first), true);
      v.unmap(0, 2048);
      ByteBuf out = Unpooled.buffer(MIB);
      v.read(8192, 2048, out);
      byte[] got = new byte[MIB];
      out.readBytes(got);
      assertArrayEquals(first, got);
      Invariants.assertHold(engine);
    }
  }

  @Test
  void volumesSurviveReopenGrowAndDelete() {
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Volume v = engine.createVolume(new VolumeSpec("keep", 4L * MIB, 256 << 10, true));
      byte[] one = new byte[512];
      one[0] = 1;
      engine.createVolume(VolumeSpec.of("drop", 4L * MIB)).write(0, Unpooled.wrappedBuffer(one),
          true);
      byte[] d = new byte[512];
      Arrays.fill(d, (byte) 9);
      v.write(100, Unpooled.wrappedBuffer(d), true);
      v.saveReservations(new byte[] {1, 2, 3});
      assertThrows(EngineException.class, () -> engine.createVolume(VolumeSpec.of("keep", 512)));
      engine.growVolume("keep", 8L * MIB);
      assertEquals(8L * MIB / 512, v.blockCount());
      engine.deleteVolume("drop");
      Invariants.assertHold(engine);
    }
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      assertEquals(1, engine.listVolumes().size());
      Volume v = engine.volume("keep");
      assertEquals(8L * MIB, v.info().sizeBytes());
      assertEquals(256 << 10, v.info().chunkSize());
      assertTrue(v.info().pinned());
      assertArrayEquals(new byte[] {1, 2, 3}, v.loadReservations());
      ByteBuf out = Unpooled.buffer(512);
      v.read(100, 1, out);
      assertEquals(9, out.getByte(0));
      assertEquals(0, engine.usage().chunks() - 1);
      BlockDeviceException e = assertThrows(BlockDeviceException.class,
          () -> v.read(v.blockCount() - 1, 2, Unpooled.buffer()));
      assertEquals(BlockDeviceException.Kind.LBA_OUT_OF_RANGE, e.kind());
      Invariants.assertHold(engine);
    }
  }

  @Test
  void aDatabaseWithoutTheChunkBytesCounterCountsItOnceAtOpen() {
    byte[] data = new byte[1 << 20];
    new Random(61).nextBytes(data);
    long chunkBytes;
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Volume v = engine.createVolume(VolumeSpec.of("v", 16L << 20));
      v.write(0, Unpooled.wrappedBuffer(data), true);
      chunkBytes = engine.usage().chunkBytes();
      assertTrue(chunkBytes > data.length, "random data and its chunk headers");
    }
    // As a database written before the counter existed: no such counter.
    try (io.tiergate.gateway.kv.KvStore kv = io.tiergate.gateway.kv.KvStore.open(dir,
        EngineConfig.small().kv()); io.tiergate.gateway.kv.KvBatch b = kv.newBatch()) {
      b.add(Layout.CHUNK_BYTES, -kv.counter(Layout.CHUNK_BYTES));
      kv.write(b, true);
      assertEquals(0, kv.counter(Layout.CHUNK_BYTES));
    }
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      assertEquals(chunkBytes, engine.usage().chunkBytes());
      Invariants.assertHold(engine);
    }
  }
}
