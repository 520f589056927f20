package io.tiergate.gateway.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.tiering.store.ObjectStoreException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The cloud state machine: what a failed or answered attempt does, the alert, the foreign state. */
class CloudHealthTest {
  private final AtomicLong now = new AtomicLong(1_000_000);
  private final List<String> heard = new CopyOnWriteArrayList<>();

  private CloudHealth health() {
    CloudHealth h = new CloudHealth(Duration.ofMinutes(5), now::get);
    h.setListener(new CloudHealth.Listener() {
      @Override
      public void stateChanged(CloudHealth.State s, String detail) {
        heard.add(s.label());
      }

      @Override
      public void alert(boolean raised, String detail) {
        heard.add(raised ? "alert" : "alert cleared");
      }
    });
    return h;
  }

  private static ObjectStoreException failure(ObjectStoreException.Code c) {
    return new ObjectStoreException(c, "x");
  }

  @Test
  void aFailedAttemptDisconnectsAtOnceAnAnswerReconnectsAndTheAlertWaitsItsTime() {
    CloudHealth h = health();
    assertEquals(CloudHealth.State.CONNECTING, h.state());
    h.answered();
    assertEquals(CloudHealth.State.CONNECTED, h.state());
    h.failed(failure(ObjectStoreException.Code.THROTTLED));
    assertEquals(CloudHealth.State.CONNECTED, h.state(), "slow down is an answer");
    h.failed(failure(ObjectStoreException.Code.UNAVAILABLE));
    assertTrue(h.disconnected());
    assertTrue(h.lastError().contains("UNAVAILABLE"), h.lastError());
    assertEquals(1_000_000, h.downSinceMillis());
    now.addAndGet(Duration.ofMinutes(4).toMillis());
    h.checkAlert();
    assertFalse(h.alerting());
    now.addAndGet(Duration.ofMinutes(1).toMillis());
    h.checkAlert();
    h.checkAlert();
    assertTrue(h.alerting());
    h.answered();
    assertEquals(CloudHealth.State.CONNECTED, h.state());
    assertNull(h.lastError());
    assertFalse(h.alerting());
    assertEquals(now.get(), h.lastAnswerMillis());
    assertEquals(List.of("connected", "disconnected", "alert", "connected", "alert cleared"),
        heard, "each change once");
  }

  @Test
  void aForeignContainerStaysForeignWhateverTheStoreAnswers() {
    CloudHealth h = health();
    h.foreign("another appliance's");
    h.answered();
    h.failed(failure(ObjectStoreException.Code.UNAVAILABLE));
    assertEquals(CloudHealth.State.FOREIGN_CONTAINER, h.state());
    assertFalse(h.disconnected());
    assertEquals("foreign-container", h.state().label());
    h.attached();
    assertEquals(CloudHealth.State.CONNECTED, h.state());
  }

  @Test
  void parallelReportsChangeTheStateOncePerTransition() throws Exception {
    CloudHealth h = health();
    h.answered();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch go = new CountDownLatch(1);
    for (int i = 0; i < 64; i++) {
      pool.execute(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        h.failed(failure(ObjectStoreException.Code.UNAVAILABLE));
      });
    }
    go.countDown();
    pool.shutdown();
    assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    assertEquals(List.of("connected", "disconnected"), heard);
  }
}
