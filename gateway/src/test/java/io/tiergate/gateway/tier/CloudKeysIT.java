package io.tiergate.gateway.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.crypto.CryptoException;
import io.tiergate.crypto.KeyRing;
import io.tiergate.gateway.Gateway;
import io.tiergate.gateway.GatewayConfig;
import io.tiergate.gateway.admin.TestGateway;
import io.tiergate.tiering.meta.CloudMetadata;
import io.tiergate.tiering.store.LocalDirectoryObjectStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keys of a tiering gateway: a wrong passphrase is refused and changes nothing, locally or
 * in the cloud; a passphrase change through the admin API re-wraps the slots only (no pack is
 * rewritten) and the cloud's copy of the key ring stops opening with the old passphrase.
 */
class CloudKeysIT {
  @TempDir
  Path tmp;

  private static Map<String, String> digest(Path root) throws Exception {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (Files.isRegularFile(p)) {
          m.put(root.relativize(p).toString(), HexFormat.of().formatHex(
              MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
        }
      }
    }
    return m;
  }

  private static Map<String, String> packs(Path cloud) throws Exception {
    Map<String, String> all = digest(cloud);
    all.keySet().removeIf(k -> !k.startsWith("packs"));
    return all;
  }

  @Test
  void wrongPassphraseChangesNothingAndAChangeRewrapsOnly() throws Exception {
    Path gwDir = tmp.resolve("gw");
    Path data = gwDir.resolve("data");
    Path cloud = data.resolve("cloud");
    try (TestGateway gw = TestGateway.start(gwDir)) {
      assertEquals(201, gw.admin("POST", "/api/v1/volumes",
          "{\"name\":\"keys\",\"size\":\"16MiB\"}").status());
      Gateway g = gw.gateway;
      var v = g.engine().volume("keys");
      byte[] block = new byte[1 << 20];
      new java.util.Random(3).nextBytes(block);
      v.write(0, io.netty.buffer.Unpooled.wrappedBuffer(block), true);
      assertEquals(200, gw.admin("POST", "/api/v1/cloud/sync", "{\"wait\":true}").status());
    }
    Map<String, String> before = digest(data);
    assertTrue(before.keySet().stream().anyMatch(k -> k.startsWith("cloud/packs")), before.toString());

    Path wrong = tmp.resolve("wrong");
    Files.writeString(wrong, "not the passphrase at all, sorry\n");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Gateway.open(
        new GatewayConfig(data, "127.0.0.1", 0, "off", wrong, Long.MAX_VALUE)));
    assertTrue(e.getMessage().contains("wrong passphrase"), e.getMessage());
    assertEquals(subtree(before, "cloud/"), digest(cloud), "cloud untouched");
    assertEquals(before.get("keyring"), digest(data).get("keyring"), "key ring untouched");

    Map<String, String> packsBefore = packs(cloud);
    String fresh = "a completely new passphrase 2026";
    try (TestGateway gw = TestGateway.start(gwDir)) {
      TestGateway.Reply r = gw.admin("PUT", "/api/v1/security/passphrase",
          "{\"current\":\"" + TestGateway.PASSPHRASE + "\",\"new\":\"" + fresh + "\"}");
      assertEquals(200, r.status(), r.body());
    }
    assertEquals(packsBefore, packs(cloud), "no pack rewritten");
    byte[] ring = latestRing(cloud);
    assertThrows(CryptoException.class,
        () -> KeyRing.unlock(ring, TestGateway.PASSPHRASE.toCharArray()));
    try (KeyRing k = KeyRing.unlock(ring, fresh.toCharArray())) {
      assertEquals(1, k.slotCount());
    }
  }

  private static Map<String, String> subtree(Map<String, String> m, String prefix) {
    Map<String, String> out = new TreeMap<>();
    m.forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        out.put(k.substring(prefix.length()), v);
      }
    });
    return out;
  }

  private static byte[] latestRing(Path cloud) throws IOException {
    LocalDirectoryObjectStore store = new LocalDirectoryObjectStore(cloud);
    return new CloudMetadata(store).latestKeyRing().orElseThrow();
  }
}
