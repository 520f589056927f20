package io.tiergate.tiering.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Put-if-absent through the retrying store: idempotent for the same bytes, never replacing;
 * every attempt reported to the observer; views with their own budget.
 */
class RetryingObjectStoreTest {

  @TempDir Path dir;

  @Test
  void aPutMeetingItsOwnBytesSucceedsEvenOnTheFirstAttemptButOthersAreRefused() {
    // As after a retry inside the SDK: the first attempt this store sees finds the name taken
    // by exactly the bytes it is storing.
    ObjectStore local = new LocalDirectoryObjectStore(dir);
    byte[] data = {1, 2, 3, 4};
    local.putIfAbsent("packs/aa/one", data);
    ObjectStore retrying = new RetryingObjectStore(
        local, Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofSeconds(5));
    retrying.putIfAbsent("packs/aa/one", data.clone());
    retrying.putIfAbsent("packs/aa/one", data.clone(), new byte[16]);
    ObjectStoreException e = assertThrows(ObjectStoreException.class,
        () -> retrying.putIfAbsent("packs/aa/one", new byte[] {1, 2, 3, 5}));
    assertEquals(ObjectStoreException.Code.ALREADY_EXISTS, e.code());
    assertArrayEquals(data, local.get("packs/aa/one"));
  }

  /** Fails its first {@code failures} calls with UNAVAILABLE, then delegates. */
  private static final class Flaky implements ObjectStore {
    final ObjectStore delegate;
    final java.util.concurrent.atomic.AtomicInteger failures;

    Flaky(ObjectStore delegate, int failures) {
      this.delegate = delegate;
      this.failures = new java.util.concurrent.atomic.AtomicInteger(failures);
    }

    private void maybeFail() {
      if (failures.getAndDecrement() > 0) {
        throw new ObjectStoreException(ObjectStoreException.Code.UNAVAILABLE, "injected");
      }
    }

    @Override
    public void putIfAbsent(String name, byte[] data) {
      maybeFail();
      delegate.putIfAbsent(name, data);
    }

    @Override
    public byte[] get(String name) {
      maybeFail();
      return delegate.get(name);
    }

    @Override
    public byte[] getRange(String name, long offset, int length) {
      maybeFail();
      return delegate.getRange(name, offset, length);
    }

    @Override
    public void delete(java.util.Collection<String> names) {
      maybeFail();
      delegate.delete(names);
    }

    @Override
    public java.util.List<ObjectInfo> list(String prefix) {
      maybeFail();
      return delegate.list(prefix);
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

  @Test
  void theObserverHearsEveryAttemptAndAViewKeepsItsOwnBudget() {
    java.util.List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
    RetryingObjectStore.Observer o = new RetryingObjectStore.Observer() {
      @Override
      public void answered() {
        heard.add("answered");
      }

      @Override
      public void failed(ObjectStoreException e) {
        heard.add("failed " + e.code());
      }
    };
    Flaky flaky = new Flaky(new LocalDirectoryObjectStore(dir), 2);
    RetryingObjectStore base = new RetryingObjectStore(
        flaky, Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofSeconds(5));
    RetryingObjectStore observed = base.observedBy(o);
    observed.putIfAbsent("packs/aa/two", new byte[] {7});
    assertEquals(java.util.List.of("failed UNAVAILABLE", "failed UNAVAILABLE", "answered"),
        heard, "each attempt, as it ended");
    heard.clear();
    // NOT_FOUND is the service's answer, not an outage.
    assertThrows(ObjectStoreException.class, () -> observed.get("packs/aa/none"));
    assertEquals(java.util.List.of("answered"), heard);
    heard.clear();
    // A view with no budget tries once and gives up; the base view still retries.
    flaky.failures.set(1);
    ObjectStoreException e = assertThrows(ObjectStoreException.class,
        () -> observed.withBudget(Duration.ZERO).get("packs/aa/two"));
    assertEquals(ObjectStoreException.Code.UNAVAILABLE, e.code());
    assertEquals(java.util.List.of("failed UNAVAILABLE"), heard);
    flaky.failures.set(1);
    assertArrayEquals(new byte[] {7}, base.get("packs/aa/two"));
    assertEquals(java.util.List.of("failed UNAVAILABLE"), heard, "the base has no observer");
    assertEquals(Duration.ZERO, observed.withBudget(Duration.ZERO).budget());
  }
}
