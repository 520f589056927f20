package io.tiergate.crypto;

import java.util.Arrays;
import javax.crypto.SecretKey;

/**
 * A raw secret key that can actually be wiped.
 *
 * <p>{@code SecretKeySpec} cannot be destroyed on Java 17, so every key this module hands to a JCA
 * engine is one of these instead. Engines call {@link #getEncoded()} and get a copy; the master
 * copy here is zeroed by {@link #destroy()}. Copies that an engine keeps in its own state (an AES
 * key schedule, HMAC pads) are overwritten where this module can reach the engine (see {@link
 * ChunkIdHasher}) and otherwise die with it.
 */
final class WipeableKey implements SecretKey {
  private static final long serialVersionUID = 1L;

  private final String algorithm;
  private final byte[] key;
  private volatile boolean destroyed;

  /** Takes ownership of {@code key}: the caller must not keep or wipe it. */
  WipeableKey(String algorithm, byte[] key) {
    this.algorithm = algorithm;
    this.key = key;
  }

  @Override
  public String getAlgorithm() {
    return algorithm;
  }

  @Override
  public String getFormat() {
    return "RAW";
  }

  @Override
  public byte[] getEncoded() {
    if (destroyed) {
      throw Secrets.closed();
    }
    return key.clone();
  }

  @Override
  public void destroy() {
    destroyed = true;
    Arrays.fill(key, (byte) 0);
  }

  @Override
  public boolean isDestroyed() {
    return destroyed;
  }

  /** For tests: whether the master copy is all zeroes. */
  boolean isZeroed() {
    for (byte b : key) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "WipeableKey[" + algorithm + "]";
  }

  private void writeObject(java.io.ObjectOutputStream out) throws java.io.NotSerializableException {
    // Keys never leave the process through Java serialisation.
    throw new java.io.NotSerializableException(getClass().getName());
  }
}
