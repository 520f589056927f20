package io.tiergate.gateway.engine;

import static io.tiergate.gateway.engine.EngineData.random;
import static io.tiergate.gateway.engine.EngineData.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.Unpooled;
import io.tiergate.gateway.kv.Column;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which reads fill the decoded-chunk cache: a chunk read in part is kept (its neighbouring
 * blocks are likely next), a chunk read whole by one command is not (a stream passing by would
 * only push hot images out).
 */
class ReadCachingTest {
  private static final int CHUNK = 64 << 10;
  private static final int BLOCKS_PER_CHUNK = CHUNK / 512;

  @TempDir
  Path dir;

  @Test
  void partReadsAreCachedWholeChunkReadsAreNot() {
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Volume v = engine.createVolume(VolumeSpec.of("v", 16L * CHUNK));
      byte[] data = random(4 * CHUNK, 3);
      v.write(0, Unpooled.wrappedBuffer(data), false);
      long id = v.info().id();

      // Chunks 0 and 1 read whole, in one command; chunk 2 in part; chunk 3 not at all.
      assertArrayEquals(Arrays.copyOf(data, 2 * CHUNK), read(v, 0, 2 * BLOCKS_PER_CHUNK));
      assertArrayEquals(Arrays.copyOfRange(data, 2 * CHUNK + 4096, 2 * CHUNK + 8192),
          read(v, 2L * BLOCKS_PER_CHUNK + 8, 8));

      assertNull(engine.chunkCache().get(chunkId(engine, id, 0)));
      assertNull(engine.chunkCache().get(chunkId(engine, id, 1)));
      assertNotNull(engine.chunkCache().get(chunkId(engine, id, 2)));
      assertNull(engine.chunkCache().get(chunkId(engine, id, 3)));

      // A read spanning a chunk boundary reads both chunks in part: both are kept.
      assertArrayEquals(Arrays.copyOfRange(data, 3 * CHUNK - 512, 3 * CHUNK + 512),
          read(v, 3L * BLOCKS_PER_CHUNK - 1, 2));
      assertNotNull(engine.chunkCache().get(chunkId(engine, id, 3)));
      // Served from the cache, still the right bytes.
      assertArrayEquals(Arrays.copyOfRange(data, 2 * CHUNK, 3 * CHUNK),
          read(v, 2L * BLOCKS_PER_CHUNK, BLOCKS_PER_CHUNK));
    }
  }

  private static byte[] chunkId(BlockEngine engine, long volumeId, long index) {
    byte[] id = engine.store().get(Column.BLOCKMAP,
        Layout.blockKey(volumeId, Layout.LIVE_EPOCH, index));
    assertNotNull(id, "chunk " + index + " is mapped");
    return id;
  }
}
