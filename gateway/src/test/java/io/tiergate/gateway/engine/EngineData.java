package io.tiergate.gateway.engine;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Random;

/** Test data for tests on the engine: seeded random bytes, and what a volume reads back. */
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
}
