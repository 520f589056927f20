package io.tiergate.crypto.bench;

import io.tiergate.crypto.ChunkIdHasher;
import io.tiergate.crypto.KeyRing;
import io.tiergate.crypto.PackCipher;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Brings the JDK's GCM and HMAC code towards its steady state before JMH's own warm-up.
 *
 * <p>The AES, GHASH and SHA-256 intrinsics only apply once C2 compiles the provider methods that
 * carry them, and C2 counts calls and loop iterations. A 1 MiB operation is one call, so at 1 MiB
 * JMH's warm-up alone needs many seconds to get there. The JDK's GCM also takes a separate bulk
 * path for inputs of several KiB, so the messages here are 16 KiB: large enough to exercise it,
 * small enough to give many calls. Every fork runs the same pre-warm over both the raw primitive
 * and the Tiergate path, so neither side is favoured.
 */
final class Prewarm {
  private static final int ROUNDS = 2_000;
  private static final int MESSAGE = 16 * 1024;

  private Prewarm() {}

  static void gcm(KeyRing ring) throws GeneralSecurityException {
    byte[] plain = new byte[MESSAGE];
    ByteBuffer out = ByteBuffer.allocate(PackCipher.sealedLength(MESSAGE));
    PackCipher pack = ring.newPackCipher(new byte[] {1});
    PackCipher reader = ring.packCipher(pack.keyId(), pack.packId(), pack.packSalt());
    SecretKeySpec key = new SecretKeySpec(new byte[32], "AES");
    Cipher raw = Cipher.getInstance("AES/GCM/NoPadding");
    byte[] nonce = new byte[12];
    for (int i = 0; i < ROUNDS; i++) {
      byte[] sealed = pack.encryptRecord(2L * i, plain, 0, MESSAGE);
      reader.decryptRecord(2L * i, sealed, 0, sealed.length);
      out.clear();
      pack.encryptRecord(2L * i + 1, ByteBuffer.wrap(plain), out);

      nonce[8] = (byte) (i >>> 24);
      nonce[9] = (byte) (i >>> 16);
      nonce[10] = (byte) (i >>> 8);
      nonce[11] = (byte) i;
      raw.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      byte[] rawSealed = raw.doFinal(plain, 0, MESSAGE);
      raw.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      raw.doFinal(rawSealed, 0, rawSealed.length);
    }
    pack.close();
    reader.close();
  }

  static void hmac(ChunkIdHasher hasher) throws GeneralSecurityException {
    byte[] data = new byte[MESSAGE];
    ByteBuffer direct = ByteBuffer.allocateDirect(MESSAGE);
    Mac raw = Mac.getInstance("HmacSHA256");
    raw.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
    for (int i = 0; i < ROUNDS; i++) {
      hasher.hash(data, 0, MESSAGE);
      hasher.hash(direct);
      raw.update(data, 0, MESSAGE);
      raw.doFinal();
    }
  }
}
