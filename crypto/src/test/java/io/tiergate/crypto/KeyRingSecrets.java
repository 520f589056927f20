package io.tiergate.crypto;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Field;
import java.util.Map;

/**
 * Reads a key ring's private key fields for leak tests. Reflection keeps the production class free
 * of any accessor that returns key material.
 */
final class KeyRingSecrets {
  private KeyRingSecrets() {}

  private static Object field(KeyRing ring, String name) {
    try {
      Field f = KeyRing.class.getDeclaredField(name);
      f.setAccessible(true);
      return f.get(ring);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  @SuppressWarnings("unchecked")
  static byte[] dataKey(KeyRing ring, int keyId) {
    return ((Map<Integer, byte[]>) field(ring, "dataKeys")).get(keyId).clone();
  }

  /** Ring key, chunk-ID key, metadata key and data key 1, concatenated. */
  static byte[] allKeys(KeyRing ring) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes((byte[]) field(ring, "ringKey"));
    out.writeBytes((byte[]) field(ring, "chunkIdKey"));
    out.writeBytes((byte[]) field(ring, "metadataKey"));
    out.writeBytes(dataKey(ring, 1));
    return out.toByteArray();
  }
}
