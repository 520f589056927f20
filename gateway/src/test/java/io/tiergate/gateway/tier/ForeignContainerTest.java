package io.tiergate.gateway.tier;

import static io.tiergate.gateway.engine.EngineData.random;
import static io.tiergate.gateway.engine.EngineData.read;
import static io.tiergate.gateway.tier.TierFixture.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.gateway.engine.EngineConfig;
import io.tiergate.gateway.engine.Volume;
import io.tiergate.gateway.engine.VolumeSpec;
import io.tiergate.iscsi.spi.BlockDeviceException;
import io.tiergate.tiering.store.LocalDirectoryObjectStore;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store that holds another appliance's key ring is never written to: neither by a fresh
 * appliance attached to it (same passphrase, new keys: a recovery done the wrong way) nor by
 * an established appliance pointed at it; every object of its owner stays byte-identical, the
 * tier says {@code foreign-container}, and local volumes are served. Local directory stores;
 * the same against Azurite through whole gateways is {@link ForeignContainerIT}.
 */
class ForeignContainerTest {
  private static final int MIB = 1 << 20;

  @TempDir
  Path dir;

  private static CloudConfig store(Path p) {
    return CloudConfig.defaults().with("cloud", "file:" + p);
  }

  private static Map<String, String> digests(Path store) {
    try (LocalDirectoryObjectStore s = new LocalDirectoryObjectStore(store)) {
      return ObjectDigests.of(s);
    }
  }

  /** Writes, syncs and evicts half, so the store holds packs, key ring, catalogue, journal. */
  private static byte[] populate(TierFixture f, String volume, long seed) throws Exception {
    Volume v = f.engine.createVolume(VolumeSpec.of(volume, 64L * MIB));
    byte[] data = random(4 * MIB, seed);
    write(v, 0, data);
    f.tier.sync();
    f.tier.publishCatalogueIfChanged();
    f.tier.evictAll();
    return data;
  }

  private static void assertRefusedAndServingLocally(TierFixture f) throws Exception {
    CloudHealth h = f.tier.health();
    assertEquals(CloudHealth.State.FOREIGN_CONTAINER, h.state());
    assertEquals("foreign-container", h.state().label());
    assertTrue(h.lastError().contains("another appliance"), h.lastError());
    assertEquals(h.lastError(), f.tier.counters().lastError());
    // Its own volume keeps working locally; nothing goes to that store.
    Volume mine = f.engine.createVolume(VolumeSpec.of("local-" + System.nanoTime(), 16L * MIB));
    byte[] data = random(MIB, 99);
    write(mine, 0, data);
    assertArrayEquals(data, read(mine, 0, data.length / 512));
    IllegalStateException e = assertThrows(IllegalStateException.class, f.tier::sync);
    assertTrue(e.getMessage().contains("another appliance"), e.getMessage());
    assertEquals(0, f.tier.evictAll());
    assertEquals(0, f.tier.evictToWatermark());
    assertEquals(0, f.tier.gc(true));
    f.tier.publishCatalogueIfChanged();
    f.tier.republishKeyRing();
    assertEquals(0, f.tier.counters().packsUploaded());
  }

  @Test
  void aFreshApplianceOnAUsedStoreWritesNothingThere() throws Exception {
    Path shared = dir.resolve("cloud");
    TierFixture a = new TierFixture(dir.resolve("a"), store(shared), EngineConfig.small());
    byte[] first;
    try {
      first = populate(a, "first", 1);
    } finally {
      a.close();
    }
    Map<String, String> before = digests(shared);
    assertTrue(before.keySet().stream().anyMatch(n -> n.startsWith("keys/")), before.toString());
    assertTrue(before.keySet().stream().anyMatch(n -> n.startsWith("meta/")), before.toString());
    assertTrue(before.keySet().stream().anyMatch(n -> n.startsWith("packs/")), before.toString());

    // A new data directory, the same passphrase, the old store: new keys, so not its ring.
    try (TierFixture b = new TierFixture(dir.resolve("b"), store(shared), EngineConfig.small())) {
      assertRefusedAndServingLocally(b);
      b.restart();
      assertRefusedAndServingLocally(b);
    }
    assertEquals(before, digests(shared), "every object of the first appliance untouched");

    // The owner still attaches and reads every evicted chunk back.
    try {
      a.open();
      assertEquals(CloudHealth.State.CONNECTED, a.tier.health().state());
      assertArrayEquals(first, read(a.engine.volume("first"), 0, first.length / 512));
      assertTrue(a.tier.counters().coldReads() > 0);
    } finally {
      a.close();
    }
  }

  @Test
  void twoEstablishedAppliancesStartedOnEachOthersStoreTouchNothing() throws Exception {
    Path cloudA = dir.resolve("cloud-a");
    Path cloudB = dir.resolve("cloud-b");
    try (TierFixture a = new TierFixture(dir.resolve("a"), store(cloudA), EngineConfig.small());
        TierFixture b = new TierFixture(dir.resolve("b"), store(cloudB), EngineConfig.small())) {
      byte[] dataA = populate(a, "va", 1);
      byte[] dataB = populate(b, "vb", 2);
      Map<String, String> beforeA = digests(cloudA);
      Map<String, String> beforeB = digests(cloudB);

      b.restart(store(cloudA)); // B started against A's store
      assertRefusedAndServingLocally(b);
      // B's evicted chunks live elsewhere: a read needing them is NOT READY, never wrong data.
      BlockDeviceException e = assertThrows(BlockDeviceException.class,
          () -> read(b.engine.volume("vb"), 0, 128));
      assertEquals(BlockDeviceException.Kind.NOT_READY, e.kind());
      assertEquals(beforeA, digests(cloudA), "A's objects untouched by B");

      a.restart(store(cloudB)); // and A against B's
      assertRefusedAndServingLocally(a);
      assertEquals(beforeB, digests(cloudB), "B's objects untouched by A");

      // Each back on its own store: attached, and every evicted chunk reads back.
      a.restart(store(cloudA));
      b.restart(store(cloudB));
      assertEquals(CloudHealth.State.CONNECTED, a.tier.health().state());
      assertEquals(CloudHealth.State.CONNECTED, b.tier.health().state());
      assertArrayEquals(dataA, read(a.engine.volume("va"), 0, dataA.length / 512));
      assertArrayEquals(dataB, read(b.engine.volume("vb"), 0, dataB.length / 512));
      assertTrue(a.tier.counters().coldReads() > 0);
      assertEquals(java.util.List.of(), a.problems());
      assertEquals(java.util.List.of(), b.problems());
    }
  }

  @Test
  void aPassphraseChangeKeepsTheStoreOursAndReplacesOnlyOurOlderRing() throws Exception {
    Path cloud = dir.resolve("cloud");
    try (TierFixture a = new TierFixture(dir.resolve("a"), store(cloud), EngineConfig.small())) {
      populate(a, "va", 3);
      a.keys.changePassphrase(TierFixture.PASSPHRASE, "another long passphrase 77".toCharArray());
      a.tier.republishKeyRing();
      assertEquals(KeyRingMatch.OURS, KeyRingMatch.of(new LocalDirectoryObjectStore(cloud),
          a.keys));
      assertEquals(1, digests(cloud).keySet().stream().filter(n -> n.startsWith("keys/"))
          .count(), "the older generation of our own ring is replaced");
      assertEquals(CloudHealth.State.CONNECTED, a.tier.health().state());
    }
  }
}
