package io.tiergate.crypto;

import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;

/**
 * The two key derivation functions: PBKDF2-HMAC-SHA-256 for passphrases, HKDF-SHA-256 for subkeys.
 *
 * <p>PBKDF2 runs on the JDK's provider: it is about 2.5 times faster than Bouncy Castle's, and a
 * faster KDF lets the defender afford more iterations for the same unlock time. Both encode the
 * passphrase as UTF-8 (a test pins that they agree on non-ASCII input, since a change there would
 * lock customers out). HKDF runs once per pack, so Bouncy Castle's is plenty fast.
 */
final class Kdf {
  static final int KEY_LENGTH = 32;

  private Kdf() {}

  static byte[] pbkdf2(char[] passphrase, byte[] salt, int iterations, int length) {
    PBEKeySpec spec = new PBEKeySpec(passphrase, salt, iterations, length * 8);
    try {
      SecretKey k = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec);
      return k.getEncoded();
    } catch (NoSuchAlgorithmException e) {
      throw Secrets.providerFailure("PBKDF2WithHmacSHA256", e);
    } catch (GeneralSecurityException e) {
      throw new CryptoException(
          CryptoException.Code.INVALID_ARGUMENT, "the passphrase cannot be used", e);
    } finally {
      // The spec keeps its own copy of the passphrase.
      spec.clearPassword();
    }
  }

  static byte[] hkdf(byte[] ikm, byte[] salt, byte[] info, int length) {
    HKDFBytesGenerator gen = new HKDFBytesGenerator(new SHA256Digest());
    gen.init(new HKDFParameters(ikm, salt, info));
    byte[] out = new byte[length];
    gen.generateBytes(out, 0, length);
    return out;
  }
}
