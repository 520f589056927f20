package io.tiergate.gateway.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.crypto.KdfParams;
import io.tiergate.crypto.KeyRing;
import io.tiergate.gateway.engine.EngineConfig;
import io.tiergate.gateway.engine.VolumeSpec;
import io.tiergate.tiering.store.LocalDirectoryObjectStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CloudMetadataPublisher} on its own, on a local-directory store: attaching publishes the
 * key ring, the catalogue goes up once per change of the volumes (and again after a store
 * switch forgot it), and a store holding another appliance's ring is left untouched.
 */
class CloudMetadataPublisherTest {
  private static final int MIB = 1 << 20;

  @TempDir
  Path dir;

  private CloudConfig fileCloud() {
    return CloudConfig.defaults().with("cloud", "file:" + dir.resolve("cloud"));
  }

  /** The catalogue generations in the store (the previous one is kept, older ones go). */
  private static Set<String> catalogues(TierContext ctx) {
    return ctx.objects.list("meta/").stream().map(o -> o.name())
        .filter(n -> n.contains("catalogue")).collect(Collectors.toSet());
  }

  @Test
  void theCatalogueGoesUpOncePerChangeOfTheVolumes() throws Exception {
    try (TierFixture f = new TierFixture(dir, fileCloud(), EngineConfig.small())) {
      TierContext ctx = f.context();
      CloudMetadataPublisher meta = new CloudMetadataPublisher(ctx);
      try {
        meta.publishCatalogueIfChanged();
        assertEquals(Set.of(), catalogues(ctx), "not attached: nothing is published");
        assertTrue(meta.ensureCloudReady());
        assertTrue(ctx.cloudReady);
        assertEquals(CloudHealth.State.CONNECTED, ctx.health.state());
        assertFalse(ctx.objects.list("keys/").isEmpty(), "the key ring is there");
        f.engine.createVolume(VolumeSpec.of("vol", 16L * MIB));
        meta.publishCatalogueIfChanged();
        Set<String> first = catalogues(ctx);
        assertEquals(1, first.size());
        meta.publishCatalogueIfChanged();
        assertEquals(first, catalogues(ctx), "unchanged volumes: not published again");
        f.engine.createVolume(VolumeSpec.of("vol2", 16L * MIB));
        meta.publishCatalogueIfChanged();
        Set<String> second = catalogues(ctx);
        assertEquals(2, second.size(), "a new volume: published");
        meta.forget();
        meta.publishCatalogueIfChanged();
        assertNotEquals(second, catalogues(ctx), "forgotten: published again");
      } finally {
        ctx.objects.close();
      }
    }
  }

  @Test
  void anotherAppliancesStoreIsNotAttachedAndNothingIsWritten() throws Exception {
    try (TierFixture f = new TierFixture(dir, fileCloud(), EngineConfig.small())) {
      f.tier.sync(); // attaches: the store holds this appliance's ring
      Map<String, String> before;
      try (LocalDirectoryObjectStore s = new LocalDirectoryObjectStore(dir.resolve("cloud"))) {
        before = ObjectDigests.of(s);
      }
      try (KeyRing other = KeyRing.create(TierFixture.PASSPHRASE,
          KdfParams.insecureForTests(1000))) {
        TierContext ctx = new TierContext(f.engine, other, f.config, dir,
            CloudStores.open(f.config, dir, Duration.ofSeconds(60), List.of()));
        CloudMetadataPublisher meta = new CloudMetadataPublisher(ctx);
        try {
          assertFalse(meta.ensureCloudReady());
          assertFalse(ctx.cloudReady);
          assertTrue(ctx.foreign());
          assertTrue(ctx.counters.lastError().contains("another appliance"));
          meta.republishKeyRing();
          meta.publishCatalogueIfChanged();
        } finally {
          ctx.objects.close();
        }
      }
      try (LocalDirectoryObjectStore s = new LocalDirectoryObjectStore(dir.resolve("cloud"))) {
        assertEquals(before, ObjectDigests.of(s), "every object as it was");
      }
    }
  }
}
