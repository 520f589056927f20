package io.tiergate.gateway.tier;

import static io.tiergate.gateway.engine.EngineData.random;
import static io.tiergate.gateway.tier.TierFixture.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.gateway.engine.ChunkTierStore.DirtyChunk;
import io.tiergate.gateway.engine.EngineConfig;
import io.tiergate.gateway.engine.Volume;
import io.tiergate.gateway.engine.VolumeSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link UploadPass} on its own, on a local-directory store: a periodic pass waits for a pack's
 * worth of cold chunks unless space is short, a pass refuses before the tier attached, and
 * cutting keeps selection order in packs of at most 32 MiB. Pipelining is in
 * {@link UploadPipelineTest}.
 */
class UploadPassTest {
  private static final int MIB = 1 << 20;

  @TempDir
  Path dir;

  @Test
  void aPeriodicPassWaitsForAPacksWorthUnlessSpaceIsShort() throws Exception {
    CloudConfig config = CloudConfig.defaults().with("cloud", "file:" + dir.resolve("cloud"));
    try (TierFixture f = new TierFixture(dir, config, EngineConfig.small())) {
      Volume v = f.engine.createVolume(VolumeSpec.of("vol", 64L * MIB));
      write(v, 0, random(4 * MIB, 5));
      long dirty = f.engine.tierStore().dirtyBytes();
      TierContext ctx = f.context();
      AtomicBoolean pressure = new AtomicBoolean();
      UploadPass pass = new UploadPass(ctx, pressure::get);
      try {
        assertThrows(IllegalStateException.class, () -> pass.run(Long.MAX_VALUE, true),
            "not attached yet");
        ctx.cloudReady = true;
        pass.run(Long.MAX_VALUE, false);
        assertEquals(0, ctx.counters.packsUploaded(), "4 MiB is less than a pack");
        assertEquals(dirty, f.engine.tierStore().dirtyBytes());
        pressure.set(true);
        pass.run(Long.MAX_VALUE, false);
        assertEquals(1, ctx.counters.packsUploaded(), "space is short: sent anyway");
        assertEquals(64, ctx.counters.chunksUploaded());
        assertEquals(0, f.engine.tierStore().dirtyBytes());
        assertEquals(0, ctx.counters.uploadQueueBytes());
      } finally {
        pass.close();
        ctx.objects.close();
      }
      assertEquals(List.of(), f.problems());
    }
  }

  @Test
  void cutKeepsOrderInPacksOfAtMost32MiB() {
    byte[] six = new byte[6 * MIB];
    List<DirtyChunk> chunks = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      chunks.add(new DirtyChunk(new byte[] {(byte) i}, six, 0, 1, i));
    }
    List<List<DirtyChunk>> packs = UploadPass.cut(chunks);
    assertEquals(List.of(5, 5, 2), packs.stream().map(List::size).toList());
    int i = 0;
    for (List<DirtyChunk> p : packs) {
      assertTrue(UploadPass.storedBytes(p) <= UploadPass.PACK_MAX);
      for (DirtyChunk c : p) {
        assertSame(chunks.get(i++), c);
      }
    }
  }
}
