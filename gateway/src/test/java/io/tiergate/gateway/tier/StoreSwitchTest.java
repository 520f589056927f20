package io.tiergate.gateway.tier;

import static io.tiergate.gateway.engine.EngineData.random;
import static io.tiergate.gateway.engine.EngineData.read;
import static io.tiergate.gateway.tier.TierFixture.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.gateway.engine.EngineConfig;
import io.tiergate.gateway.engine.Volume;
import io.tiergate.gateway.engine.VolumeSpec;
import io.tiergate.tiering.store.LocalDirectoryObjectStore;
import io.tiergate.tiering.store.ObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StoreSwitch} on its own, on local-directory stores: a store missing this appliance's
 * packs is refused and nothing changes; a copy holding them is put in force, and the tier
 * reads and uploads there afterwards.
 */
class StoreSwitchTest {
  private static final int MIB = 1 << 20;

  @TempDir
  Path dir;

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t);
        }
      }
    }
  }

  @Test
  void aStoreWithoutOurPacksIsRefusedAndACopyOfOursIsPutInForce() throws Exception {
    CloudConfig config = CloudConfig.defaults().with("cloud", "file:" + dir.resolve("cloud"));
    try (TierFixture f = new TierFixture(dir, config, EngineConfig.small())) {
      Volume v = f.engine.createVolume(VolumeSpec.of("vol", 64L * MIB));
      byte[] data = random(2 * MIB, 41);
      write(v, 0, data);
      f.tier.sync();
      f.tier.evictAll();
      assertArrayEquals(data, read(v, 0, data.length / 512));
      f.tier.evictAll();
      TierContext ctx = f.context();
      ctx.cloudReady = true;
      ColdReads cold = new ColdReads(ctx);
      StoreSwitch sw = new StoreSwitch(ctx, cold, new CloudMetadataPublisher(ctx));
      AtomicInteger saved = new AtomicInteger();
      try {
        ObjectStore before = ctx.objects;
        CloudTierService.StoreMatch refused;
        try (ObjectStore empty = new LocalDirectoryObjectStore(dir.resolve("empty"))) {
          refused = sw.replaceStore(config, empty, Duration.ofSeconds(1),
              saved::incrementAndGet);
        }
        assertEquals(1, refused.packsKnown());
        assertEquals(1, refused.packsMissing());
        assertFalse(refused.acceptable());
        assertEquals(0, saved.get(), "not saved");
        assertSame(before, ctx.objects, "nothing changed");
        assertTrue(ctx.cloudReady);

        copyTree(dir.resolve("cloud"), dir.resolve("copy"));
        CloudConfig next = config.with("cloud", "file:" + dir.resolve("copy"));
        CloudTierService.StoreMatch m = sw.replaceStore(next, CloudStores.open(next, dir,
            Duration.ofSeconds(60), List.of()), Duration.ofSeconds(1), saved::incrementAndGet);
        assertTrue(m.acceptable());
        assertEquals(1, saved.get(), "saved once, under the lock");
        assertNotSame(before, ctx.objects);
        assertSame(next, ctx.config);
        assertFalse(ctx.cloudReady, "the next pass attaches to the new store");
        // Reads come from the copy now, even with the original gone.
        try (Stream<Path> s = Files.walk(dir.resolve("cloud").resolve("packs"))) {
          for (Path p : s.filter(Files::isRegularFile).toList()) {
            Files.delete(p);
          }
        }
        long pack = f.engine.tierStore().packs().get(0).number();
        var c = f.engine.tierStore().chunksIn(pack).get(0);
        byte[] stored = cold.read(c.id(), pack, c.recordIndex(), c.offset(), c.sealedLength())
            .stored();
        assertArrayEquals(stored, f.engine.tierStore().localBytes(c.id()));
      } finally {
        cold.close();
        ctx.objects.close();
      }
      // (The fixture's own service still reads the original store, whose packs are gone.)
    }
  }
}
