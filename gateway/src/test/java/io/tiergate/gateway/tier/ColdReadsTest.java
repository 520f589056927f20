package io.tiergate.gateway.tier;

import static io.tiergate.gateway.engine.EngineData.random;
import static io.tiergate.gateway.tier.TierFixture.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.gateway.engine.ChunkTierStore;
import io.tiergate.gateway.engine.EngineConfig;
import io.tiergate.gateway.engine.Volume;
import io.tiergate.gateway.engine.VolumeSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ColdReads} on its own, on a local-directory store: single-flight of concurrent misses,
 * runs of back-to-back records fetched with one ranged GET, and the run planning itself.
 */
class ColdReadsTest {
  private static final int MIB = 1 << 20;

  @TempDir
  Path dir;

  private CloudConfig fileCloud() {
    return CloudConfig.defaults().with("cloud", "file:" + dir.resolve("cloud"));
  }

  /** Writes {@code mib} MiB, uploads and evicts it; returns the chunks of its first pack. */
  private static List<ChunkTierStore.PackedChunk> evicted(TierFixture f, int mib)
      throws InterruptedException {
    Volume v = f.engine.createVolume(VolumeSpec.of("vol", 64L * MIB));
    write(v, 0, random(mib * MIB, 3));
    f.tier.sync();
    f.tier.evictAll();
    long pack = f.engine.tierStore().packs().get(0).number();
    return f.engine.tierStore().chunksIn(pack);
  }

  @Test
  void concurrentMissesOnOneChunkShareOneFetch() throws Exception {
    try (TierFixture f = new TierFixture(dir, fileCloud(), EngineConfig.small())) {
      ChunkTierStore.PackedChunk c = evicted(f, 1).get(0);
      long pack = f.engine.tierStore().packs().get(0).number();
      TierContext ctx = f.context();
      ColdReads cold = new ColdReads(ctx);
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<byte[]>> reads = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          reads.add(pool.submit(() -> {
            go.await();
            return cold.read(c.id(), pack, c.recordIndex(), c.offset(), c.sealedLength())
                .stored();
          }));
        }
        go.countDown();
        byte[] first = reads.get(0).get();
        for (Future<byte[]> r : reads) {
          assertArrayEquals(first, r.get());
        }
        assertEquals(1, ctx.counters.coldReads(), "one fetch for eight readers");
        assertEquals(1, ctx.counters.requests());
        assertArrayEquals(first, f.engine.tierStore().localBytes(c.id()), "home again");
        // The fetch leaves the single-flight map just after it completes its readers.
        long deadline = System.currentTimeMillis() + 5_000;
        while (!cold.idle() && System.currentTimeMillis() < deadline) {
          Thread.sleep(5);
        }
        assertTrue(cold.idle(), "the finished fetch left the single-flight map");
      } finally {
        pool.shutdownNow();
        cold.close();
        ctx.objects.close();
      }
      assertEquals(List.of(), f.problems());
    }
  }

  @Test
  void hintsOfBackToBackRecordsComeHomeWithOneRangedGet() throws Exception {
    try (TierFixture f = new TierFixture(dir, fileCloud(), EngineConfig.small())) {
      List<ChunkTierStore.PackedChunk> chunks = evicted(f, 1);
      assertEquals(16, chunks.size());
      long pack = f.engine.tierStore().packs().get(0).number();
      TierContext ctx = f.context();
      ColdReads cold = new ColdReads(ctx);
      try {
        for (ChunkTierStore.PackedChunk c : chunks) {
          assertNull(f.engine.tierStore().localBytes(c.id()));
          cold.prefetch(c.id(), pack, c.recordIndex(), c.offset(), c.sealedLength());
        }
        long deadline = System.currentTimeMillis() + 10_000;
        while (chunks.stream().anyMatch(c -> f.engine.tierStore().localBytes(c.id()) == null)
            && System.currentTimeMillis() < deadline) {
          Thread.sleep(10);
        }
        for (ChunkTierStore.PackedChunk c : chunks) {
          assertTrue(f.engine.tierStore().localBytes(c.id()) != null, "read ahead");
        }
        assertEquals(1, ctx.counters.requests(), "16 records back to back: one ranged GET");
        assertEquals(16, ctx.counters.coldReads());
      } finally {
        cold.close();
        ctx.objects.close();
      }
      assertEquals(List.of(), f.problems());
    }
  }

  @Test
  void runsJoinBackToBackRecordsOfOnePackAndSplitAtGapsPacksAndLimits() {
    byte[] id = new byte[32];
    List<ColdReads.Hint> hints = new ArrayList<>();
    hints.add(new ColdReads.Hint(id, 2, 0, 0, 100));
    hints.add(new ColdReads.Hint(id, 1, 1, 100, 100));
    hints.add(new ColdReads.Hint(id, 1, 0, 0, 100));
    hints.add(new ColdReads.Hint(id, 1, 0, 0, 100)); // the same record twice
    hints.add(new ColdReads.Hint(id, 1, 3, 300, 100)); // a gap before it
    List<List<ColdReads.Hint>> runs = ColdReads.runs(hints);
    assertEquals(3, runs.size());
    assertEquals(List.of(0L, 100L), runs.get(0).stream().map(ColdReads.Hint::offset).toList());
    assertEquals(300L, runs.get(1).get(0).offset());
    assertEquals(2L, runs.get(2).get(0).pack());

    List<ColdReads.Hint> many = new ArrayList<>();
    for (int i = 0; i < ColdReads.RUN_MAX_RECORDS + 1; i++) {
      many.add(new ColdReads.Hint(id, 1, i, i * 10L, 10));
    }
    List<List<ColdReads.Hint>> split = ColdReads.runs(many);
    assertEquals(List.of(ColdReads.RUN_MAX_RECORDS, 1),
        split.stream().map(List::size).toList());
  }
}
