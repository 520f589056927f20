package io.tiergate.crypto;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;

/** Small helpers shared by the module: randomness, wiping, constant-time comparison. */
final class Secrets {
  // One instance for the process: SecureRandom is thread-safe, and seeding is the slow part.
  private static final SecureRandom RANDOM = new SecureRandom();

  private Secrets() {}

  static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  static void wipe(byte[] b) {
    if (b != null) {
      Arrays.fill(b, (byte) 0);
    }
  }

  /** Compares without an early exit, so the time taken says nothing about where they differ. */
  static boolean constantTimeEquals(byte[] a, byte[] b) {
    return MessageDigest.isEqual(a, b);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw providerFailure("SHA-256", e);
    }
  }

  static CryptoException providerFailure(String algorithm, Exception cause) {
    return new CryptoException(
        CryptoException.Code.PROVIDER_FAILURE,
        "the Java runtime does not provide " + algorithm,
        cause);
  }

  static CryptoException closed() {
    return new CryptoException(CryptoException.Code.CLOSED, "the key ring is closed");
  }

  static CryptoException invalid(String message) {
    return new CryptoException(CryptoException.Code.INVALID_ARGUMENT, message);
  }
}
