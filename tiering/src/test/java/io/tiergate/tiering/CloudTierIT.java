package io.tiergate.tiering;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tiergate.crypto.KeyRing;
import io.tiergate.tiering.pack.PackEntry;
import io.tiergate.tiering.store.AzureBlobObjectStore;
import io.tiergate.tiering.store.BandwidthLimiter;
import io.tiergate.tiering.store.ObjectStore;
import io.tiergate.tiering.store.RetryingObjectStore;
import io.tiergate.tiering.testing.Azurite;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The cloud-tier contract against Azurite, and an outage in the middle of an upload. */
class CloudTierIT extends CloudTierContract {

  private static Azurite azurite;
  private ObjectStore store;

  @BeforeAll
  static void startAzurite() throws Exception {
    azurite = new Azurite(Paths.get("target", "azurite-tier-" + UUID.randomUUID())).start();
  }

  @AfterAll
  static void stopAzurite() throws Exception {
    azurite.close();
  }

  @BeforeEach
  void open() {
    // A container per test: each starts with an empty store.
    store = AzureBlobObjectStore.builder().connectionString(azurite.connectionString())
        .container("tier" + UUID.randomUUID().toString().replace("-", "").substring(0, 12))
        .timeout(Duration.ofSeconds(5)).sdkRetries(1).build();
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Override
  ObjectStore store() {
    return store;
  }

  @Override
  Path storageFolder() {
    return azurite.location();
  }

  @Test
  void anUploadDuringAnOutageCompletesWhenTheServiceReturns() throws Exception {
    ObjectStore retrying =
        new RetryingObjectStore(store, Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(60));
    try (KeyRing ring = newRing()) {
      CloudTier tier = new CloudTier(retrying, ring, new BandwidthLimiter(0), 1);
      List<CloudTier.Record> recs = records(ring, 8, 9, "o");
      azurite.stop();
      CompletableFuture<UploadedPack> upload = CompletableFuture.supplyAsync(() -> {
        try {
          return tier.uploadPack(recs);
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      Thread.sleep(2000);
      azurite.start();
      UploadedPack pack = upload.get(90, TimeUnit.SECONDS);
      for (PackEntry e : pack.entries()) {
        assertArrayEquals(recs.get(e.recordIndex()).bytes(), tier.fetch(pack.ref(), e));
      }
      assertEquals(1, tier.livePacks().size());
    }
  }
}
