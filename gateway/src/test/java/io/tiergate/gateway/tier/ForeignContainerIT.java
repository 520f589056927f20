package io.tiergate.gateway.tier;

import static io.tiergate.gateway.engine.EngineData.random;
import static io.tiergate.gateway.engine.EngineData.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.tiergate.gateway.admin.TestGateway;
import io.tiergate.gateway.engine.Volume;
import io.tiergate.tiering.store.ObjectStore;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole gateways started with {@code --cloud azure} on Azurite containers that belong to
 * another appliance, in both orders: a fresh appliance (new data directory, same passphrase)
 * on a used container, and two established appliances each started on the other's. Every
 * object of the owner is listed and hashed before and after and must be byte-identical; the
 * refused gateway says {@code foreign-container} in {@code GET /cloud}, the status and the
 * metrics, logs an error event, refuses a sync, and serves its local volume.
 */
class ForeignContainerIT {
  private static final int MIB = 1 << 20;

  @TempDir
  Path dir;

  @RegisterExtension
  final AzuriteCloud cloud = new AzuriteCloud(() -> dir, "owner");

  private CloudConfig container(String name) {
    return cloud.config().with("container", name);
  }

  private Map<String, String> digests(String container) {
    try (ObjectStore s = io.tiergate.tiering.store.AzureBlobObjectStore.builder()
        .connectionString(cloud.azurite().connectionString()).container(container)
        .createContainer(false).build()) {
      return ObjectDigests.of(s);
    }
  }

  /** A volume with 4 MiB written, synced and evicted: packs, key ring, catalogue, journal. */
  private static byte[] populate(TestGateway gw, String name, long seed) {
    assertEquals(201, gw.admin("POST", "/api/v1/volumes",
        "{\"name\":\"" + name + "\",\"size\":\"64MiB\"}").status());
    byte[] data = random(4 * MIB, seed);
    gw.gateway.engine().volume(name).write(0, Unpooled.wrappedBuffer(data), true);
    TestGateway.Reply r = gw.admin("POST", "/api/v1/cloud/sync", "{\"wait\":true}");
    assertEquals(200, r.status(), r.body());
    assertEquals(200, gw.admin("POST", "/api/v1/cloud/evict", "{}").status());
    return data;
  }

  private static Map<String, Object> awaitState(TestGateway gw, String state) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    Map<String, Object> c;
    do {
      c = gw.admin("GET", "/api/v1/cloud", null).json();
      if (state.equals(c.get("state"))) {
        return c;
      }
      Thread.sleep(100);
    } while (System.currentTimeMillis() < deadline);
    throw new AssertionError("cloud state stayed " + c);
  }

  private static void assertRefused(TestGateway gw) throws Exception {
    Map<String, Object> c = awaitState(gw, "foreign-container");
    assertEquals(false, c.get("attached"));
    assertTrue(String.valueOf(c.get("lastError")).contains("another appliance"), c.toString());
    @SuppressWarnings("unchecked")
    Map<String, Object> status = (Map<String, Object>) gw.admin("GET", "/api/v1/status", null)
        .json().get("cloud");
    assertEquals("foreign-container", status.get("state"));
    String metrics = gw.admin("GET", "/metrics", null).body();
    assertTrue(metrics.contains("tiergate_cloud_state{state=\"foreign-container\"} 1.0"),
        metrics);
    assertTrue(metrics.contains("tiergate_cloud_state{state=\"connected\"} 0.0"), metrics);
    String events = gw.admin("GET", "/api/v1/events?category=cloud", null).body();
    assertTrue(events.contains("not attached"), events);
    TestGateway.Reply sync = gw.admin("POST", "/api/v1/cloud/sync", "{\"wait\":true}");
    assertEquals(409, sync.status(), sync.body());
    // Local volumes are served meanwhile.
    Volume demo = gw.gateway.engine().volume("demo");
    byte[] data = random(MIB, 5);
    demo.write(0, Unpooled.wrappedBuffer(data), true);
    assertArrayEquals(data, read(demo, 0, data.length / 512));
  }

  @Test
  void aFreshApplianceOnAUsedContainerChangesNoObjectOfIt() throws Exception {
    byte[] data;
    try (TestGateway a = TestGateway.start(dir.resolve("a"), container("owner"))) {
      data = populate(a, "first", 1);
    }
    Map<String, String> before = digests("owner");
    assertTrue(before.keySet().stream().anyMatch(n -> n.startsWith("keys/keyring-")));
    assertTrue(before.keySet().stream().anyMatch(n -> n.startsWith("packs/")));
    assertTrue(before.keySet().stream().anyMatch(n -> n.startsWith("meta/catalogue-")));

    try (TestGateway b = TestGateway.start(dir.resolve("b"), container("owner"))) {
      assertRefused(b);
    }
    assertEquals(before, digests("owner"), "every object of the owner byte-identical");

    try (TestGateway a = TestGateway.start(dir.resolve("a"), container("owner"))) {
      awaitState(a, "connected");
      assertArrayEquals(data, read(a.gateway.engine().volume("first"), 0, data.length / 512),
          "the owner still reads its evicted chunks back");
    }
  }

  @Test
  void twoEstablishedAppliancesStartedOnEachOthersContainerChangeNothing() throws Exception {
    byte[] dataA;
    byte[] dataB;
    try (TestGateway a = TestGateway.start(dir.resolve("a"), container("cloud-a"))) {
      dataA = populate(a, "va", 1);
    }
    try (TestGateway b = TestGateway.start(dir.resolve("b"), container("cloud-b"))) {
      dataB = populate(b, "vb", 2);
    }
    Map<String, String> beforeA = digests("cloud-a");
    Map<String, String> beforeB = digests("cloud-b");

    try (TestGateway b = TestGateway.start(dir.resolve("b"), container("cloud-a"))) {
      assertRefused(b);
    }
    assertEquals(beforeA, digests("cloud-a"), "A's objects untouched by B");
    try (TestGateway a = TestGateway.start(dir.resolve("a"), container("cloud-b"))) {
      assertRefused(a);
    }
    assertEquals(beforeB, digests("cloud-b"), "B's objects untouched by A");

    try (TestGateway a = TestGateway.start(dir.resolve("a"), container("cloud-a"))) {
      awaitState(a, "connected");
      assertArrayEquals(dataA, read(a.gateway.engine().volume("va"), 0, dataA.length / 512));
    }
    try (TestGateway b = TestGateway.start(dir.resolve("b"), container("cloud-b"))) {
      awaitState(b, "connected");
      assertArrayEquals(dataB, read(b.gateway.engine().volume("vb"), 0, dataB.length / 512));
    }
  }
}
