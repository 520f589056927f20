package io.tiergate.crypto;

import java.util.HexFormat;

/** Shared fixtures: a cheap KDF cost and passphrases. */
final class TestKeys {
  /** Cheap enough that a test suite of key rings runs in seconds. */
  static final KdfParams FAST = KdfParams.insecureForTests(1000);

  static final String PASSPHRASE = "correct horse battery staple";
  static final String OTHER = "a different passphrase entirely";

  private TestKeys() {}

  static KeyRing newRing() {
    return KeyRing.create(PASSPHRASE.toCharArray(), FAST);
  }

  static byte[] hex(String s) {
    return HexFormat.of().parseHex(s);
  }

  static byte[] pattern(int length, int seed) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) (i * 31 + seed);
    }
    return b;
  }
}
