package io.tiergate.gateway.engine;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class ChunkCacheTest {

  private static byte[] id(int shard, int n) {
    byte[] id = new byte[32];
    id[0] = (byte) shard;
    id[1] = (byte) n;
    return id;
  }

  @Test
  void returnsWhatWasPutByValueOfTheId() {
    ChunkCache c = new ChunkCache(16L << 20);
    byte[] image = new byte[65536];
    c.put(id(3, 1), image);
    assertSame(image, c.get(id(3, 1)));
    assertNull(c.get(id(3, 2)));
  }

  @Test
  void staysWithinItsBudgetEvictingTheLeastRecentlyUsed() {
    // 16 shards of 128 KiB: two 64 KiB images per shard.
    ChunkCache c = new ChunkCache(16L * 128 * 1024);
    c.put(id(5, 1), new byte[65536]);
    c.put(id(5, 2), new byte[65536]);
    assertNotNull(c.get(id(5, 1))); // 1 is now the most recently used
    c.put(id(5, 3), new byte[65536]);
    assertNull(c.get(id(5, 2)));
    assertNotNull(c.get(id(5, 1)));
    assertNotNull(c.get(id(5, 3)));
    assertNotNull(c.get(id(5, 3)));
  }

  @Test
  void zeroCapacityCachesNothing() {
    ChunkCache c = new ChunkCache(0);
    c.put(id(1, 1), new byte[1]);
    assertNull(c.get(id(1, 1)));
  }
}
