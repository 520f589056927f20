package io.tiergate.gateway.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parallel commands on the same chunks: each thread owns every fourth block, so all threads
 * read-modify-write the same chunks at once. A lost update (a partial write merged into a
 * stale chunk image) would show as a block with another thread's old data.
 */
class ConcurrentWritesTest {
  @TempDir
  Path dir;

  @Test
  void partialWritesToSharedChunksLoseNothing() throws Exception {
    int threads = 4;
    int blocks = 4096;
    byte[] model = new byte[blocks * 512];
    try (BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small())) {
      Volume v = engine.createVolume(new VolumeSpec("shared", blocks * 512L, 32 << 10, false));
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<byte[]>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int me = t;
        results.add(pool.submit(() -> {
          Random rnd = new Random(me);
          byte[] last = new byte[blocks * 512];
          for (int i = 0; i < 1500; i++) {
            int b = rnd.nextInt(blocks / threads) * threads + me;
            byte[] d = new byte[512];
            rnd.nextBytes(d);
            if (rnd.nextInt(5) == 0) {
              d = new byte[512];
              v.unmap(b, 1);
            } else {
              v.write(b, Unpooled.wrappedBuffer(d), false);
            }
            System.arraycopy(d, 0, last, b * 512, 512);
          }
          return last;
        }));
      }
      for (int t = 0; t < threads; t++) {
        byte[] last = results.get(t).get();
        for (int b = t; b < blocks; b += threads) {
          System.arraycopy(last, b * 512, model, b * 512, 512);
        }
      }
      pool.shutdown();
      ByteBuf out = Unpooled.buffer(model.length);
      v.read(0, blocks, out);
      byte[] got = new byte[model.length];
      out.readBytes(got);
      assertArrayEquals(model, got);
      assertEquals(-1, v.compareAndWrite(0, Unpooled.wrappedBuffer(model, 0, 512),
          Unpooled.wrappedBuffer(new byte[512]), true));
      Invariants.assertHold(engine);
    }
  }
}
