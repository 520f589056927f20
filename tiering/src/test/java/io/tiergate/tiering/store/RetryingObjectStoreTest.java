package io.tiergate.tiering.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Put-if-absent through the retrying store: idempotent for the same bytes, never replacing. */
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
}
