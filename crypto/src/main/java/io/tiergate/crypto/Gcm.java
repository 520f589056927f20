package io.tiergate.crypto;

import java.security.NoSuchAlgorithmException;
import javax.crypto.Cipher;
import javax.crypto.NoSuchPaddingException;

/**
 * AES-256-GCM engines from the JDK's provider, one per thread.
 *
 * <p>The JDK's GCM is intrinsified (AES-NI, carry-less multiply) and runs at gigabytes per second
 * once C2 has compiled it; Bouncy Castle's pure-Java GCM is about 80 times slower. A {@link Cipher}
 * is costly to look up but cheap to re-initialise with a new key and nonce (the provider keeps the
 * expanded key while the key does not change), so each thread keeps one.
 */
final class Gcm {
  static final String TRANSFORMATION = "AES/GCM/NoPadding";
  static final int NONCE_LENGTH = 12;
  static final int TAG_LENGTH = 16;

  private static final ThreadLocal<Cipher> CIPHERS = ThreadLocal.withInitial(Gcm::newCipher);

  private Gcm() {}

  static Cipher cipher() {
    return CIPHERS.get();
  }

  static Cipher newCipher() {
    try {
      return Cipher.getInstance(TRANSFORMATION);
    } catch (NoSuchAlgorithmException | NoSuchPaddingException e) {
      throw Secrets.providerFailure(TRANSFORMATION, e);
    }
  }
}
