package io.tiergate.gateway.engine;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tiergate.gateway.kv.Column;
import io.tiergate.gateway.kv.KvBatch;
import java.util.Random;

/**
 * Test data for tests on the engine: seeded random bytes, what a volume reads back, and damage
 * for the invariant check to find.
 */
public final class EngineData {
  private EngineData() {}

  public static byte[] random(int len, long seed) {
    byte[] b = new byte[len];
    new Random(seed).nextBytes(b);
    return b;
  }

  public static byte[] read(Volume v, long lba, int blocks) {
    ByteBuf out = Unpooled.buffer(blocks * 512);
    try {
      v.read(lba, blocks, out);
      byte[] b = new byte[out.readableBytes()];
      out.readBytes(b);
      return b;
    } finally {
      out.release();
    }
  }

  /**
   * Breaks an invariant on disk, as a bug would: a synced block-map entry of a volume that does
   * not exist, naming a chunk that does not exist either.
   */
  public static void addStrayBlockMapEntry(BlockEngine engine) {
    try (KvBatch b = engine.store().newBatch()) {
      b.put(Column.BLOCKMAP, Layout.blockKey(999_999, Layout.LIVE_EPOCH, 0), new byte[32]);
      engine.store().write(b, true);
    }
  }
}
