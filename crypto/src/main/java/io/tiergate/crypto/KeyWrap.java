package io.tiergate.crypto;

import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.engines.RFC5649WrapEngine;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * AES key wrap with padding (RFC 5649), from Bouncy Castle.
 *
 * <p>The wrap's built-in integrity check is what tells a wrong passphrase from a right one; the
 * check itself is done by Bouncy Castle without an early exit.
 */
final class KeyWrap {
  private KeyWrap() {}

  static byte[] wrap(byte[] kek, byte[] plain) {
    RFC5649WrapEngine engine = new RFC5649WrapEngine(AESEngine.newInstance());
    engine.init(true, new KeyParameter(kek));
    return engine.wrap(plain, 0, plain.length);
  }

  /** Returns the unwrapped bytes, or null when the integrity check fails. */
  static byte[] unwrapOrNull(byte[] kek, byte[] wrapped) {
    RFC5649WrapEngine engine = new RFC5649WrapEngine(AESEngine.newInstance());
    engine.init(false, new KeyParameter(kek));
    try {
      return engine.unwrap(wrapped, 0, wrapped.length);
    } catch (InvalidCipherTextException e) {
      return null;
    }
  }
}
