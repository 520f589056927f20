package io.tiergate.gateway.engine;

import static io.tiergate.gateway.engine.EngineData.random;
import static io.tiergate.gateway.engine.EngineData.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.tiergate.gateway.kv.Column;
import io.tiergate.gateway.kv.Keys;
import io.tiergate.gateway.kv.KvBatch;
import io.tiergate.gateway.kv.KvIterator;
import io.tiergate.gateway.kv.KvStore;
import io.tiergate.gateway.metrics.ApplianceGauges;
import io.tiergate.gateway.metrics.GatewayStats;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.UInt64AddOperator;

/**
 * The tiering index: kept exact by every chunk-record change (the verifier checks it after each
 * step), built once for a store written before it existed, and what the tier's selections read:
 * dirty chunks by age handed out in block order, reads keeping chunks warm, coldest-first
 * eviction, and the cache-hit reporting of the read path.
 */
class TierIndexTest {
  private static final int CHUNK = 64 << 10;

  @TempDir
  Path dir;

  private final FakeCloud cloud = new FakeCloud();

  private static void writeChunk(Volume v, long index, long seed) {
    v.write(index * CHUNK / 512, Unpooled.wrappedBuffer(random(CHUNK, seed)), false);
  }

  /** Volume "v" of {@code chunks} chunks, the first {@code written} of them random bytes. */
  private static Volume volumeWithData(BlockEngine engine, long chunks, int written, long seed) {
    Volume v = engine.createVolume(VolumeSpec.of("v", chunks * CHUNK));
    v.write(0, Unpooled.wrappedBuffer(random(written * CHUNK, seed)), false);
    return v;
  }

  private byte[] idAt(BlockEngine engine, Volume v, long index) {
    return engine.store().get(Column.BLOCKMAP,
        Layout.blockKey(v.info().id(), Layout.LIVE_EPOCH, index));
  }

  private static Set<ByteBuffer> ids(List<ChunkTierStore.DirtyChunk> dirty) {
    return dirty.stream().map(d -> ByteBuffer.wrap(d.id())).collect(Collectors.toSet());
  }

  @Test
  void dirtyChunksAreChosenByAgeAndReturnedInBlockOrder() throws Exception {
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Volume a = engine.createVolume(VolumeSpec.of("a", 64L * CHUNK));
      Volume b = engine.createVolume(VolumeSpec.of("b", 64L * CHUNK));
      // Backwards, one command per chunk: the oldest chunks are the highest blocks.
      for (long i = 31; i >= 0; i--) {
        writeChunk(a, i, 100 + i);
        writeChunk(b, i, 200 + i);
        Thread.sleep(2);
      }
      ChunkTierStore t = engine.tierStore();
      List<ChunkTierStore.DirtyChunk> all = t.dirtyChunks(Long.MAX_VALUE, Long.MAX_VALUE);
      assertEquals(64, all.size());
      for (int i = 0; i < 64; i++) {
        ChunkTierStore.DirtyChunk d = all.get(i);
        assertEquals(i < 32 ? a.info().id() : b.info().id(), d.volumeId(), "chunk " + i);
        assertEquals(i % 32, d.chunkIndex(), "chunk " + i);
        assertArrayEquals(idAt(engine, i < 32 ? a : b, i % 32), d.id());
      }

      // A quarter of the bytes: the 8 oldest of each volume (blocks 24..31), in block order.
      long each = all.get(0).stored().length;
      List<ChunkTierStore.DirtyChunk> some = t.dirtyChunks(Long.MAX_VALUE, 16 * each);
      assertEquals(16, some.size());
      for (int i = 0; i < 16; i++) {
        assertEquals(i < 8 ? a.info().id() : b.info().id(), some.get(i).volumeId());
        assertEquals(24 + i % 8, some.get(i).chunkIndex());
      }
      // Only what was last used at or before a time: a range scan that stops there.
      long cut = some.get(0).lastUseMillis();
      for (ChunkTierStore.DirtyChunk d : t.dirtyChunks(cut, Long.MAX_VALUE)) {
        assertTrue(d.lastUseMillis() <= cut);
      }
      assertEquals(List.of(), t.dirtyChunks(cut - 10_000, Long.MAX_VALUE));
      assertEquals(64 * each, t.dirtyBytes());
      Invariants.assertHold(engine);
    }
  }

  @Test
  void aSequentialWriteComesBackInLbaOrder() {
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Volume v = volumeWithData(engine, 512, 256, 7);
      List<ChunkTierStore.DirtyChunk> dirty =
          engine.tierStore().dirtyChunks(Long.MAX_VALUE, Long.MAX_VALUE);
      assertEquals(256, dirty.size());
      for (int i = 0; i < dirty.size(); i++) {
        assertEquals(i, dirty.get(i).chunkIndex());
        assertArrayEquals(idAt(engine, v, i), dirty.get(i).id());
      }
    }
  }

  @Test
  void aReadChunkStaysWarmAndIsEvictedLast() throws Exception {
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir,
        EngineConfig.small().withHeatGranularity(1))) {
      Volume v = engine.createVolume(VolumeSpec.of("v", 64L * CHUNK));
      for (int i = 0; i < 3; i++) {
        writeChunk(v, i, 10 + i);
      }
      byte[] hot = idAt(engine, v, 0);
      byte[] cold1 = idAt(engine, v, 1);
      byte[] cold2 = idAt(engine, v, 2);
      Thread.sleep(20);
      long mark = System.currentTimeMillis();
      Thread.sleep(5);
      read(v, 0, CHUNK / 512);
      ChunkTierStore t = engine.tierStore();
      Set<ByteBuffer> idle = ids(t.dirtyChunks(mark, Long.MAX_VALUE));
      assertEquals(Set.of(ByteBuffer.wrap(cold1), ByteBuffer.wrap(cold2)), idle,
          "the read chunk is not idle");
      Invariants.assertHold(engine);

      cloud.commitAllDirty(t);
      Thread.sleep(5);
      read(v, 0, CHUNK / 512); // hit in the decoded-chunk cache: still a use
      long one = engine.store().get(Column.CHUNKDATA, hot).length;
      assertTrue(t.evict(1) >= one);
      assertNotNull(t.localBytes(hot));
      assertTrue(t.evict(1) >= one);
      assertNotNull(t.localBytes(hot), "the read chunk goes after both colder ones");
      assertNull(t.localBytes(cold1));
      assertNull(t.localBytes(cold2));
      assertEquals(one, t.evict(1));
      assertNull(t.localBytes(hot));
      Invariants.assertHold(engine);
    }
  }

  @Test
  void readsWithinTheGranularityWriteNoMetadata() throws Exception {
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Volume v = engine.createVolume(VolumeSpec.of("v", 64L * CHUNK));
      writeChunk(v, 0, 1);
      byte[] id = idAt(engine, v, 0);
      byte[] before = engine.store().get(Column.CHUNKS, id);
      Thread.sleep(5);
      long mark = System.currentTimeMillis();
      for (int i = 0; i < 10; i++) {
        read(v, 0, CHUNK / 512);
      }
      assertEquals(0, engine.flushHeat());
      assertArrayEquals(before, engine.store().get(Column.CHUNKS, id));
      assertEquals(1, engine.tierStore().dirtyChunks(mark, Long.MAX_VALUE).size());
    }
  }

  @Test
  void readsReportLocalAndColdChunksPerChunk() {
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      long[] seen = new long[2];
      GatewayStats stats = new GatewayStats(new ApplianceGauges() {
        @Override
        public int sessions() {
          return 0;
        }

        @Override
        public SpaceUsage usage() {
          return engine.usage();
        }

        @Override
        public double usedPercent() {
          return 0;
        }

        @Override
        public int snapshots(String volume) {
          return 0;
        }
      });
      ReadObserver gauge = stats.readObserver();
      engine.setReadObserver(new ReadObserver() {
        @Override
        public void localChunks(int n) {
          seen[0] += n;
          gauge.localChunks(n);
        }

        @Override
        public void coldChunks(int n) {
          seen[1] += n;
          gauge.coldChunks(n);
        }
      });
      assertTrue(Double.isNaN(stats.cacheHitPercent()));
      Volume v = engine.createVolume(VolumeSpec.of("v", 64L * CHUNK));
      byte[] data = random(8 * CHUNK, 3);
      v.write(0, Unpooled.wrappedBuffer(data), false);
      Volume w = engine.createVolume(VolumeSpec.of("w", 64L * CHUNK));
      byte[] other = random(4 * CHUNK, 4);
      w.write(0, Unpooled.wrappedBuffer(other), false);

      read(v, 0, 8 * CHUNK / 512); // from the chunk store
      read(v, 0, 8 * CHUNK / 512); // from the decoded-chunk cache
      read(v, 16 * CHUNK / 512, CHUNK / 512); // a hole: no chunk at all
      assertArrayEquals(new long[] {16, 0}, seen);
      assertEquals(100.0, stats.cacheHitPercent());

      // One command of four chunks that are only in the cloud: four misses, not one.
      ChunkTierStore t = engine.tierStore();
      cloud.commitAllDirty(t);
      t.evict(Long.MAX_VALUE);
      engine.setColdReader(cloud.reader(engine.tierStore()));
      assertArrayEquals(other, read(w, 0, 4 * CHUNK / 512));
      assertArrayEquals(new long[] {16, 4}, seen);
      assertEquals(80.0, stats.cacheHitPercent(), 1e-9);
      Invariants.assertHold(engine);
    }
  }

  @Test
  void theVerifierCatchesAnIndexThatDisagrees() {
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Volume v = volumeWithData(engine, 64, 4, 5);
      KvStore kv = engine.store();
      byte[] key;
      byte[] value;
      try (KvIterator it = kv.scanPrefix(Column.TIERINDEX, new byte[] {TierIndex.DIRTY})) {
        key = it.key();
        value = it.value();
      }
      try (KvBatch b = kv.newBatch()) {
        b.delete(Column.TIERINDEX, key);
        kv.write(b, false);
      }
      assertTrue(EngineVerifier.verify(engine, false).stream()
          .anyMatch(p -> p.contains("lacks its tiering index entry")));
      byte[] older = key.clone();
      older[8]--;
      try (KvBatch b = kv.newBatch()) {
        b.put(Column.TIERINDEX, older, value);
        kv.write(b, false);
      }
      assertTrue(EngineVerifier.verify(engine, false).stream()
          .anyMatch(p -> p.contains("has no chunk record in that state")));
      byte[] wrong = value.clone();
      wrong[15]++;
      try (KvBatch b = kv.newBatch()) {
        b.delete(Column.TIERINDEX, older);
        b.put(Column.TIERINDEX, key, wrong);
        kv.write(b, false);
      }
      assertTrue(EngineVerifier.verify(engine, false).stream()
          .anyMatch(p -> p.contains("disagrees with the chunk record")));
      try (KvBatch b = kv.newBatch()) {
        b.put(Column.TIERINDEX, key, value);
        b.add(TierIndex.DIRTY_BYTES, 1);
        kv.write(b, false);
      }
      assertEquals(List.of("dirty bytes: counter " + (engine.tierStore().dirtyBytes()) + ", actual "
          + (engine.tierStore().dirtyBytes() - 1)), EngineVerifier.verify(engine, false));
    }
  }

  @Test
  void aStoreWrittenWithoutTheIndexIsUpgradedOnOpen() throws Exception {
    long dirtyBytes;
    long pack;
    int packed;
    byte[] data = random(24 * CHUNK, 9);
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Volume v = engine.createVolume(VolumeSpec.of("v", 64L * CHUNK));
      v.write(0, Unpooled.wrappedBuffer(data), false);
      ChunkTierStore t = engine.tierStore();
      // Sixteen chunks in a pack, eight of them evicted; eight stay dirty.
      List<ChunkTierStore.DirtyChunk> first = t.dirtyChunks(Long.MAX_VALUE, Long.MAX_VALUE)
          .subList(0, 16);
      pack = cloud.commit(t, first);
      packed = first.size();
      t.evict(8L * first.get(0).stored().length);
      dirtyBytes = t.dirtyBytes();
      assertTrue(dirtyBytes > 0);
      Invariants.assertHold(engine);
    }
    downgradeToFormatOne(dir);

    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Invariants.assertHold(engine);
      assertEquals(Layout.FORMAT_VERSION,
          Keys.getInt(engine.store().get(Column.META, Layout.META_FORMAT), 0));
      ChunkTierStore t = engine.tierStore();
      assertEquals(dirtyBytes, t.dirtyBytes());
      List<ChunkTierStore.PackedChunk> in = t.chunksIn(pack);
      assertEquals(packed, in.size());
      assertEquals(8, in.stream().filter(c -> !c.local()).count());
      assertEquals(8, t.dirtyChunks(Long.MAX_VALUE, Long.MAX_VALUE).size());
      assertEquals(8L * (in.get(0).sealedLength() - 16), t.evict(Long.MAX_VALUE));
      Volume v = engine.volume("v");
      engine.setColdReader(cloud.reader(engine.tierStore()));
      assertArrayEquals(data, read(v, 0, data.length / 512));
      Invariants.assertHold(engine);
    }
    // Upgraded once: the next open finds format 2 and builds nothing.
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Invariants.assertHold(engine);
    }
  }

  /**
   * Turns a store into what format 1 wrote: no tiering index family, no dirty-bytes counter,
   * chunk records of version 2 (72 bytes, the last write as their time), format 1.
   */
  private static void downgradeToFormatOne(Path dir) throws Exception {
    RocksDB.loadLibrary();
    List<byte[]> names;
    try (Options o = new Options()) {
      names = RocksDB.listColumnFamilies(o, dir.toString());
    }
    List<ColumnFamilyDescriptor> ds = new ArrayList<>();
    List<ColumnFamilyOptions> opts = new ArrayList<>();
    try (UInt64AddOperator add = new UInt64AddOperator(); DBOptions dbo = new DBOptions()) {
      for (byte[] n : names) {
        ColumnFamilyOptions o = new ColumnFamilyOptions();
        if (Arrays.equals(n, Column.META.cfName().getBytes())) {
          o.setMergeOperator(add);
        }
        opts.add(o);
        ds.add(new ColumnFamilyDescriptor(n, o));
      }
      List<ColumnFamilyHandle> hs = new ArrayList<>();
      try (RocksDB db = RocksDB.open(dbo, dir.toString(), ds, hs)) {
        ColumnFamilyHandle chunks = null;
        ColumnFamilyHandle meta = null;
        for (int i = 0; i < names.size(); i++) {
          String n = new String(names.get(i));
          if (n.equals(Column.TIERINDEX.cfName())) {
            db.dropColumnFamily(hs.get(i));
          } else if (n.equals(Column.CHUNKS.cfName())) {
            chunks = hs.get(i);
          } else if (n.equals(Column.META.cfName())) {
            meta = hs.get(i);
          }
        }
        int rewritten = 0;
        try (org.rocksdb.RocksIterator it = db.newIterator(chunks)) {
          for (it.seekToFirst(); it.isValid(); it.next()) {
            byte[] v2 = Arrays.copyOf(it.value(), ChunkRecord.V2_LENGTH);
            v2[0] = 2;
            db.put(chunks, it.key(), v2);
            rewritten++;
          }
        }
        assertEquals(24, rewritten);
        db.delete(meta, TierIndex.DIRTY_BYTES);
        byte[] f = new byte[4];
        Keys.putInt(f, 0, 1);
        db.put(meta, Layout.META_FORMAT, f);
        for (ColumnFamilyHandle h : hs) {
          h.close();
        }
      }
    } finally {
      opts.forEach(ColumnFamilyOptions::close);
    }
    try (Options o = new Options()) {
      assertFalse(RocksDB.listColumnFamilies(o, dir.toString()).stream()
          .anyMatch(n -> Arrays.equals(n, Column.TIERINDEX.cfName().getBytes())));
    }
  }
}
