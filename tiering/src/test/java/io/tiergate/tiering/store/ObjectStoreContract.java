package io.tiergate.tiering.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** What every {@link ObjectStore} must do; each implementation's test extends this. */
abstract class ObjectStoreContract {

  /** The store under test, empty. */
  abstract ObjectStore store();

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static ObjectStoreException.Code codeOf(Runnable r) {
    return assertThrows(ObjectStoreException.class, r::run).code();
  }

  @Test
  void putThenGetReturnsTheSameBytes() {
    byte[] data = random(100_000, 1);
    store().putIfAbsent("packs/ab/obj1", data);
    assertArrayEquals(data, store().get("packs/ab/obj1"));
  }

  @Test
  void secondPutOfTheSameNameIsRefusedAndChangesNothing() {
    byte[] first = random(1000, 2);
    store().putIfAbsent("keys/slot", first);
    assertEquals(
        ObjectStoreException.Code.ALREADY_EXISTS,
        codeOf(() -> store().putIfAbsent("keys/slot", random(1000, 3))));
    assertArrayEquals(first, store().get("keys/slot"));
  }

  @Test
  void rangedGetReadsExactlyTheRange() {
    byte[] data = random(70_000, 4);
    store().putIfAbsent("packs/cd/ranged", data);
    byte[] part = store().getRange("packs/cd/ranged", 65_536, 4_000);
    assertArrayEquals(java.util.Arrays.copyOfRange(data, 65_536, 69_536), part);
    assertArrayEquals(new byte[] {data[0]}, store().getRange("packs/cd/ranged", 0, 1));
  }

  @Test
  void rangePastTheEndIsInvalid() {
    store().putIfAbsent("packs/cd/short", random(100, 5));
    assertEquals(
        ObjectStoreException.Code.INVALID, codeOf(() -> store().getRange("packs/cd/short", 50, 51)));
  }

  @Test
  void missingObjectIsNotFound() {
    assertEquals(ObjectStoreException.Code.NOT_FOUND, codeOf(() -> store().get("packs/00/none")));
    assertEquals(
        ObjectStoreException.Code.NOT_FOUND, codeOf(() -> store().getRange("packs/00/none", 0, 1)));
  }

  @Test
  void listIsByPrefixInNameOrderWithSizes() {
    store().putIfAbsent("packs/02/b", random(20, 6));
    store().putIfAbsent("packs/01/a", random(10, 7));
    store().putIfAbsent("keys/k", random(30, 8));
    assertEquals(
        List.of(new ObjectStore.ObjectInfo("packs/01/a", 10), new ObjectStore.ObjectInfo("packs/02/b", 20)),
        store().list("packs/"));
    assertEquals(3, store().list("").size());
  }

  @Test
  void deleteRemovesNamedObjectsAndIgnoresMissingOnes() {
    for (int i = 0; i < 300; i++) {
      store().putIfAbsent("packs/ee/o" + i, new byte[] {(byte) i});
    }
    List<String> names = new java.util.ArrayList<>();
    for (int i = 0; i < 300; i += 2) {
      names.add("packs/ee/o" + i);
    }
    names.add("packs/ee/never-existed");
    store().delete(names);
    List<ObjectStore.ObjectInfo> left = store().list("packs/ee/");
    assertEquals(150, left.size());
    left.forEach(o -> assertEquals(1, Integer.parseInt(o.name().substring("packs/ee/o".length())) % 2));
  }

  @Test
  void badNamesAreRefusedBeforeAnythingIsTouched() {
    for (String bad : List.of("", "/abs", "a//b", "../up", "Upper", "a/../b", "sp ace", "a/")) {
      assertEquals(
          ObjectStoreException.Code.INVALID, codeOf(() -> store().putIfAbsent(bad, new byte[1])), bad);
    }
    assertEquals(0, store().list("").size());
  }

  @Test
  void packSizedObjectRoundTrips() {
    byte[] data = random(24 << 20, 9);
    store().putIfAbsent("packs/ff/big", data);
    assertArrayEquals(data, store().get("packs/ff/big"));
    assertArrayEquals(
        java.util.Arrays.copyOfRange(data, 20 << 20, (20 << 20) + 65_600),
        store().getRange("packs/ff/big", 20 << 20, 65_600));
  }
}
