package io.tiergate.gateway.tier;

import static io.tiergate.gateway.engine.EngineData.random;
import static io.tiergate.gateway.tier.TierFixture.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.gateway.engine.EngineConfig;
import io.tiergate.gateway.engine.Volume;
import io.tiergate.gateway.engine.VolumeSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Evictor} on its own, on a local-directory store: eviction down to the low watermark
 * and only of clean chunks, and back-pressure that gets room by asking for an upload.
 */
class EvictorTest {
  private static final int MIB = 1 << 20;

  @TempDir
  Path dir;

  private CloudConfig fileCloud() {
    return CloudConfig.defaults().with("cloud", "file:" + dir.resolve("cloud"));
  }

  @Test
  void aboveTheHighWatermarkCleanChunksGoDownToTheLowOneAndDirtyOnesStay() throws Exception {
    try (TierFixture f = new TierFixture(dir, fileCloud(), EngineConfig.small())) {
      Volume v = f.engine.createVolume(VolumeSpec.of("vol", 64L * MIB));
      write(v, 0, random(8 * MIB, 21));
      f.tier.sync();
      write(v, (8L * MIB) / 512, random(2 * MIB, 22)); // dirty
      TierContext ctx = f.context();
      ExecutorService scheduler = Executors.newSingleThreadExecutor();
      Evictor evictor = new Evictor(ctx, scheduler, () -> { });
      try {
        long local = f.engine.tierStore().localBytes();
        evictor.setCacheCapacity(local * 2);
        assertEquals(0, evictor.evictToWatermark(), "at 50%: nothing to do");
        evictor.setCacheCapacity(local);
        long freed = evictor.evictToWatermark();
        assertTrue(freed > 0);
        assertTrue(f.engine.tierStore().localBytes() <= 0.8 * local, "down to the low mark");
        evictor.evictAll();
        long dirty = f.engine.tierStore().dirtyBytes();
        assertTrue(dirty >= 2L * MIB);
        assertEquals(dirty, f.engine.tierStore().localBytes(), "dirty chunks never go");
      } finally {
        scheduler.shutdownNow();
        ctx.objects.close();
      }
      assertEquals(List.of(), f.problems());
    }
  }

  @Test
  void aWriteWithoutRoomAsksForAnUploadAndGetsTheRoomItMakes() throws Exception {
    try (TierFixture f = new TierFixture(dir, fileCloud(), EngineConfig.small())) {
      Volume v = f.engine.createVolume(VolumeSpec.of("vol", 64L * MIB));
      write(v, 0, random(4 * MIB, 23)); // all dirty: nothing to evict yet
      TierContext ctx = f.context();
      ctx.cloudReady = true;
      UploadPass upload = new UploadPass(ctx, () -> true);
      AtomicInteger asked = new AtomicInteger();
      ExecutorService scheduler = Executors.newSingleThreadExecutor();
      Evictor evictor = new Evictor(ctx, scheduler, () -> {
        asked.incrementAndGet();
        try {
          upload.run(Long.MAX_VALUE, true);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      try {
        evictor.setCacheCapacity(4L * MIB);
        long freed = evictor.reclaim(MIB);
        assertTrue(freed >= MIB, "freed " + freed);
        assertTrue(asked.get() >= 1, "an upload was asked for");
        assertEquals(0, f.engine.tierStore().dirtyBytes());
      } finally {
        scheduler.shutdownNow();
        upload.close();
        ctx.objects.close();
      }
      assertEquals(List.of(), f.problems());
    }
  }
}
