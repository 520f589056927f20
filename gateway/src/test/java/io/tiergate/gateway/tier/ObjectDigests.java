package io.tiergate.gateway.tier;

import io.tiergate.tiering.store.ObjectStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/** Every object of a store, listed and hashed: what "byte-identical afterwards" compares. */
final class ObjectDigests {
  private ObjectDigests() {}

  /** Object name to SHA-256 of its bytes, for every object in {@code store}. */
  static Map<String, String> of(ObjectStore store) {
    Map<String, String> out = new TreeMap<>();
    for (ObjectStore.ObjectInfo o : store.list("")) {
      try {
        out.put(o.name(), HexFormat.of().formatHex(
            MessageDigest.getInstance("SHA-256").digest(store.get(o.name()))));
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
    return out;
  }
}
