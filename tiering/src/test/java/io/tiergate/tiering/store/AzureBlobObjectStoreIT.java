package io.tiergate.tiering.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import io.tiergate.tiering.testing.Azurite;
import io.tiergate.tiering.testing.StatusResponse;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** The object-store contract and the failure mapping, against Azurite. */
class AzureBlobObjectStoreIT extends ObjectStoreContract {

  private static Azurite azurite;
  private AzureBlobObjectStore store;

  @BeforeAll
  static void startAzurite() throws Exception {
    azurite = new Azurite(Paths.get("target", "azurite-" + UUID.randomUUID())).start();
  }

  @AfterAll
  static void stopAzurite() throws Exception {
    azurite.close();
  }

  @BeforeEach
  void open() {
    store = builder().build();
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Override
  ObjectStore store() {
    return store;
  }

  private static AzureBlobObjectStore.Builder builder() {
    return AzureBlobObjectStore.builder()
        .connectionString(azurite.connectionString())
        .container("t" + UUID.randomUUID().toString().replace("-", ""))
        .timeout(Duration.ofSeconds(5))
        .sdkRetries(1);
  }

  /** Answers the first {@code failures} requests with the given status, without sending them. */
  private static HttpPipelinePolicy failFirst(int failures, int status, AtomicInteger seen) {
    return new HttpPipelinePolicy() {
      @Override
      public Mono<HttpResponse> process(HttpPipelineCallContext ctx, HttpPipelineNextPolicy next) {
        if (seen.incrementAndGet() <= failures) {
          return Mono.just(new StatusResponse(ctx.getHttpRequest(), status));
        }
        return next.process();
      }
    };
  }

  @Test
  void wrongAccountKeyIsAuthFailedAndTheKeyIsNotInTheMessage() {
    String wrongKey = "AAAA" + Azurite.KEY.substring(4);
    String cs = azurite.connectionString().replace(Azurite.KEY, wrongKey);
    ObjectStoreException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ObjectStoreException.class,
            () -> AzureBlobObjectStore.builder().connectionString(cs).container("authcheck")
                .sdkRetries(0).build());
    assertEquals(ObjectStoreException.Code.AUTH_FAILED, e.code());
    assertFalse(String.valueOf(e.getMessage()).contains(wrongKey));
  }

  @Test
  void unreachableServiceIsUnavailable() throws Exception {
    int deadPort = Azurite.freePort();
    String cs = azurite.connectionString().replace(":" + azurite.port() + "/", ":" + deadPort + "/");
    ObjectStoreException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ObjectStoreException.class,
            () -> AzureBlobObjectStore.builder().connectionString(cs).container("down")
                .timeout(Duration.ofSeconds(2)).sdkRetries(0).build());
    assertEquals(ObjectStoreException.Code.UNAVAILABLE, e.code());
  }

  @Test
  void serverBusyIsThrottledAndRetriedUntilItSucceeds() {
    String container = "busy" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    AzureBlobObjectStore.builder().connectionString(azurite.connectionString()).container(container)
        .build().close();
    AtomicInteger seen = new AtomicInteger();
    ObjectStore busy = AzureBlobObjectStore.builder()
        .connectionString(azurite.connectionString())
        .container(container)
        .createContainer(false)
        .sdkRetries(0)
        .addPolicy(failFirst(4, 503, seen))
        .build();
    assertEquals(ObjectStoreException.Code.THROTTLED, codeOf(() -> busy.get("keys/x")));
    ObjectStore retrying =
        new RetryingObjectStore(busy, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(20));
    byte[] data = random(4096, 11);
    retrying.putIfAbsent("packs/aa/retried", data);
    assertArrayEquals(data, retrying.get("packs/aa/retried"));
    assertTrue(seen.get() >= 5, "the three remaining faults were met and retried");
  }

  @Test
  void aPutWhoseResponseWasLostIsStillIdempotentUnderRetry() {
    // The first attempt reaches the service and stores the object, but the caller sees 500.
    AtomicInteger calls = new AtomicInteger();
    HttpPipelinePolicy loseFirstResponse =
        (ctx, next) ->
            next.process()
                .map(r -> calls.incrementAndGet() == 1 ? new StatusResponse(ctx.getHttpRequest(), 500) : r);
    String container = "lost" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    AzureBlobObjectStore.builder().connectionString(azurite.connectionString()).container(container)
        .build().close();
    ObjectStore lossy = new RetryingObjectStore(
        AzureBlobObjectStore.builder().connectionString(azurite.connectionString()).container(container)
            .createContainer(false).sdkRetries(0).addPolicy(loseFirstResponse).build(),
        Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(20));
    byte[] data = random(10_000, 12);
    lossy.putIfAbsent("packs/bb/once", data);
    assertArrayEquals(data, lossy.get("packs/bb/once"));
    // A different object under the same name is still refused.
    assertEquals(
        ObjectStoreException.Code.ALREADY_EXISTS,
        codeOf(() -> lossy.putIfAbsent("packs/bb/once", random(10_000, 13))));
  }

  @Test
  void packTierIsAcceptedByTheService() {
    try (AzureBlobObjectStore cool = builder().packTier("Cool").build()) {
      cool.putIfAbsent("packs/cc/cool", new byte[] {7});
      assertArrayEquals(new byte[] {7}, cool.get("packs/cc/cool"));
    }
  }

  @Test
  void aTimedOutPutIsRetriedAndStoredOnce() {
    // The first put reaches the service but its answer comes too late for the 1 s try timeout.
    AtomicInteger calls = new AtomicInteger();
    HttpPipelinePolicy slowFirst = (ctx, next) -> calls.incrementAndGet() == 1
        ? next.process().delayElement(Duration.ofSeconds(3))
        : next.process();
    String container = "slow" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    AzureBlobObjectStore.builder().connectionString(azurite.connectionString()).container(container)
        .build().close();
    ObjectStore slow = new RetryingObjectStore(
        AzureBlobObjectStore.builder().connectionString(azurite.connectionString()).container(container)
            .createContainer(false).sdkRetries(0).timeout(Duration.ofSeconds(1)).addPolicy(slowFirst).build(),
        Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(30));
    byte[] data = random(50_000, 14);
    slow.putIfAbsent("packs/dd/slow", data);
    assertArrayEquals(data, slow.get("packs/dd/slow"));
    assertTrue(calls.get() >= 2, "the first try timed out and was retried");
  }

  @Test
  void aHalfWrittenUploadIsRefusedByTheServiceThenRetriedWhole() {
    // The first put's body is cut to half its length in transit (as by a dropped connection
    // behind a proxy that completes the request): the service must not store it.
    AtomicInteger puts = new AtomicInteger();
    HttpPipelinePolicy truncateFirstPut = new HttpPipelinePolicy() {
      @Override
      public Mono<HttpResponse> process(HttpPipelineCallContext ctx, HttpPipelineNextPolicy next) {
        com.azure.core.http.HttpRequest req = ctx.getHttpRequest();
        if (req.getHttpMethod() == com.azure.core.http.HttpMethod.PUT
            && req.getHeaders().getValue("x-ms-blob-type") != null && puts.incrementAndGet() == 1) {
          byte[] whole = req.getBodyAsBinaryData().toBytes();
          req.setBody(java.util.Arrays.copyOf(whole, whole.length / 2));
        }
        return next.process();
      }

      @Override
      public com.azure.core.http.HttpPipelinePosition getPipelinePosition() {
        // Before signing, as a body cut short below the client would look to the service.
        return com.azure.core.http.HttpPipelinePosition.PER_CALL;
      }
    };
    String container = "half" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    AzureBlobObjectStore.builder().connectionString(azurite.connectionString()).container(container)
        .build().close();
    AzureBlobObjectStore raw = AzureBlobObjectStore.builder().connectionString(azurite.connectionString())
        .container(container).createContainer(false).sdkRetries(0).addPolicy(truncateFirstPut).build();
    byte[] data = random(100_000, 15);
    assertEquals(ObjectStoreException.Code.UNAVAILABLE, codeOf(() -> raw.putIfAbsent("packs/ee/half", data)));
    assertEquals(ObjectStoreException.Code.NOT_FOUND, codeOf(() -> raw.get("packs/ee/half")));
    ObjectStore retrying = new RetryingObjectStore(raw, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(20));
    retrying.putIfAbsent("packs/ee/half", data);
    assertArrayEquals(data, retrying.get("packs/ee/half"));
  }

  @Test
  void aPutWhoseGivenMd5DoesNotMatchItsBodyIsRefusedAndNothingIsStored() throws Exception {
    // The MD5 computed while sealing is what the service checks the body against.
    byte[] data = random(70_000, 16);
    byte[] other = java.security.MessageDigest.getInstance("MD5").digest(random(70_000, 17));
    assertEquals(ObjectStoreException.Code.UNAVAILABLE,
        codeOf(() -> store.putIfAbsent("packs/ff/md5", data, other)));
    assertEquals(ObjectStoreException.Code.NOT_FOUND, codeOf(() -> store.get("packs/ff/md5")));
    store.putIfAbsent("packs/ff/md5", data, java.security.MessageDigest.getInstance("MD5").digest(data));
    assertArrayEquals(data, store.get("packs/ff/md5"));
  }
}
