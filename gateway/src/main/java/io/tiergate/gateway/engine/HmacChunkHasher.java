package io.tiergate.gateway.engine;

import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA-256 chunk IDs with the JDK's provider, one {@link Mac} per thread. It computes the
 * same function as the crypto module's chunk-ID hasher; the gateway uses the crypto module's
 * when a key ring is available and this one where only a raw key is (tests, tools).
 */
public final class HmacChunkHasher implements ChunkHasher {
  private final ThreadLocal<Mac> macs;

  /** A hasher keyed with {@code key} (32 bytes). The key is copied. */
  public HmacChunkHasher(byte[] key) {
    if (key.length != 32) {
      throw new IllegalArgumentException("chunk-ID key must be 32 bytes");
    }
    SecretKeySpec spec = new SecretKeySpec(key.clone(), "HmacSHA256");
    macs = ThreadLocal.withInitial(() -> {
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(spec);
        return mac;
      } catch (InvalidKeyException e) {
        throw new IllegalStateException("chunk-ID key rejected", e);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("HmacSHA256 unavailable", e);
      }
    });
  }

  @Override
  public byte[] hash(byte[] data, int off, int len) {
    Mac mac = macs.get();
    mac.update(data, off, len);
    return mac.doFinal();
  }
}
