package io.tiergate.gateway.engine;

import static io.tiergate.gateway.engine.EngineData.random;
import static io.tiergate.gateway.engine.EngineData.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.tiergate.iscsi.spi.BlockDeviceException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chunk states and cloud locations: commit of a pack, eviction, cold reads through a {@link
 * ColdReader}, dead bytes on overwrite, pinned references. A {@link FakeCloud} stands in for the
 * cloud; the cloud itself is exercised by the tier package's integration tests.
 */
class ChunkTierStoreTest {
  private static final int CHUNK = 64 << 10;

  @TempDir
  Path dir;

  private final FakeCloud cloud = new FakeCloud();

  @Test
  void tierEvictAndReadBackCold() {
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Volume v = engine.createVolume(VolumeSpec.of("v", 64L * CHUNK));
      byte[] data = random(8 * CHUNK, 1);
      v.write(0, Unpooled.wrappedBuffer(data), false);
      ChunkTierStore t = engine.tierStore();
      long local = t.localBytes();
      assertEquals(local, t.dirtyBytes());
      long pack = cloud.commitAllDirty(t);
      assertEquals(0, t.dirtyBytes());
      assertEquals(local, t.localBytes());
      Invariants.assertHold(engine);

      assertEquals(local, t.evict(Long.MAX_VALUE));
      assertEquals(0, t.localBytes());
      assertEquals(0, engine.usage().storedBytes());
      Invariants.assertHold(engine);

      // Without a cold reader an evicted chunk is a read error, never zeros.
      assertThrows(BlockDeviceException.class, () -> read(v, 0, 128));

      AtomicInteger fetches = new AtomicInteger();
      engine.setColdReader((id, packNumber, index, offset, length) -> {
        assertEquals(pack, packNumber);
        fetches.incrementAndGet();
        return t.admit(id, cloud.get(id));
      });
      assertArrayEquals(data, read(v, 0, data.length / 512));
      assertEquals(8, fetches.get());
      assertEquals(local, t.localBytes(), "re-inserted as clean");
      Invariants.assertHold(engine);

      // Overwriting makes the old records dead bytes of their pack.
      v.write(0, Unpooled.wrappedBuffer(random(4 * CHUNK, 2)), false);
      ChunkTierStore.PackInfo info = t.packs().get(0);
      assertTrue(info.deadBytes() > 0 && info.liveBytes() > 0);
      assertFalse(t.markDeadIfEmpty(pack, 1));
      v.unmap(0, v.blockCount());
      assertTrue(t.markDeadIfEmpty(pack, 1));
      t.forgetPacks(List.of(pack));
      assertEquals(List.of(), t.packs());
      Invariants.assertHold(engine);
    }
  }

  @Test
  void damagedCloudBytesAreARefusedRead() {
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Volume v = engine.createVolume(VolumeSpec.of("v", 64L * CHUNK));
      v.write(0, Unpooled.wrappedBuffer(random(CHUNK, 3)), false);
      ChunkTierStore t = engine.tierStore();
      cloud.commitAllDirty(t);
      t.evict(Long.MAX_VALUE);
      engine.setColdReader((id, p, i, o, l) -> {
        byte[] b = cloud.get(id).clone();
        b[b.length / 2] ^= 1;
        return t.admit(id, b); // refused where it would enter the engine
      });
      BlockDeviceException e = assertThrows(BlockDeviceException.class, () -> read(v, 0, 128));
      assertEquals(BlockDeviceException.Kind.UNRECOVERED_READ_ERROR, e.kind());
      Invariants.assertHold(engine);
    }
  }

  @Test
  void pinnedChunksAreNeitherTieredNorEvicted() {
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Volume pinned = engine.createVolume(new VolumeSpec("p", 64L * CHUNK, CHUNK, true));
      Volume tiered = engine.createVolume(VolumeSpec.of("t", 64L * CHUNK));
      byte[] shared = random(CHUNK, 4);
      tiered.write(0, Unpooled.wrappedBuffer(shared), false);
      tiered.write(128, Unpooled.wrappedBuffer(random(CHUNK, 5)), false);
      ChunkTierStore t = engine.tierStore();
      cloud.commitAllDirty(t);
      t.evict(Long.MAX_VALUE);
      Invariants.assertHold(engine);
      // The pinned volume writes content that is evicted: it comes home, clean.
      pinned.write(0, Unpooled.wrappedBuffer(shared), false);
      pinned.write(128, Unpooled.wrappedBuffer(random(CHUNK, 6)), false);
      Invariants.assertHold(engine);
      assertEquals(0, t.dirtyBytes(), "a pinned volume's new chunk waits for no upload");
      assertEquals(List.of(), t.dirtyChunks(Long.MAX_VALUE, Long.MAX_VALUE));
      assertEquals(0, t.evict(Long.MAX_VALUE));
      assertArrayEquals(shared, read(pinned, 0, CHUNK / 512));
      Invariants.assertHold(engine);
    }
  }
}
