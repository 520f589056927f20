package io.tiergate.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Objects;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Encrypts the appliance's metadata (volume catalogue, snapshot manifests, journals) under the
 * metadata key with AES-256-GCM.
 *
 * <p><b>Format, version 1.</b> {@code version (1) | nonce (12) | ciphertext | tag (16)}. The nonce
 * is random: metadata objects are written at most a few thousand times a day, far below the 2^32
 * messages a random 96-bit nonce allows under one key. The AAD is {@code version (1) | context
 * (UTF-8)}, where the context names what the object is (e.g. {@code "catalogue"} or {@code
 * "snapshot/<id>"}), so that one encrypted object cannot be passed off as another.
 *
 * <p>Thread-safe. Obtain from {@link KeyRing#metadataCipher()}; it stops working when the key ring
 * is closed.
 */
public final class MetadataCipher {
  /** Format version written by this build. */
  public static final int FORMAT_VERSION = 1;

  /** Bytes added to the plaintext: version, nonce and tag. */
  public static final int OVERHEAD = 1 + Gcm.NONCE_LENGTH + Gcm.TAG_LENGTH;

  private final WipeableKey key;
  private final KeyRing.Liveness ring;

  /** Takes ownership of {@code metadataKey}. */
  MetadataCipher(KeyRing.Liveness ring, byte[] metadataKey) {
    this.ring = ring;
    this.key = new WipeableKey("AES", metadataKey);
  }

  /** Encrypts {@code plain}, bound to {@code context}. */
  public byte[] encrypt(byte[] plain, String context) {
    Objects.requireNonNull(plain, "plain");
    byte[] nonce = Secrets.randomBytes(Gcm.NONCE_LENGTH);
    return seal(plain, context, nonce);
  }

  // Separate so that the golden-file test can pin the format with a fixed nonce.
  byte[] seal(byte[] plain, String context, byte[] nonce) {
    Cipher c = begin(Cipher.ENCRYPT_MODE, FORMAT_VERSION, nonce, context);
    byte[] out = new byte[OVERHEAD + plain.length];
    out[0] = (byte) FORMAT_VERSION;
    System.arraycopy(nonce, 0, out, 1, Gcm.NONCE_LENGTH);
    try {
      c.doFinal(plain, 0, plain.length, out, 1 + Gcm.NONCE_LENGTH);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM sealing failed", e);
    }
    return out;
  }

  /**
   * Decrypts what {@link #encrypt} produced for the same {@code context}.
   *
   * @throws CryptoException {@code AUTHENTICATION_FAILED} if it was altered, belongs to another
   *     context or another key ring; {@code UNSUPPORTED_VERSION}; {@code CORRUPT} if truncated
   */
  public byte[] decrypt(byte[] sealed, String context) {
    Objects.requireNonNull(sealed, "sealed");
    if (sealed.length < OVERHEAD) {
      throw new CryptoException(CryptoException.Code.CORRUPT, "encrypted metadata is truncated");
    }
    if (sealed[0] != FORMAT_VERSION) {
      throw new CryptoException(
          CryptoException.Code.UNSUPPORTED_VERSION,
          "unsupported metadata format version " + (sealed[0] & 0xff));
    }
    byte[] nonce = new byte[Gcm.NONCE_LENGTH];
    System.arraycopy(sealed, 1, nonce, 0, nonce.length);
    Cipher c = begin(Cipher.DECRYPT_MODE, sealed[0], nonce, context);
    try {
      return c.doFinal(sealed, 1 + Gcm.NONCE_LENGTH, sealed.length - 1 - Gcm.NONCE_LENGTH);
    } catch (AEADBadTagException e) {
      throw new CryptoException(
          CryptoException.Code.AUTHENTICATION_FAILED,
          "metadata failed authentication: wrong context, wrong key ring or damaged data",
          e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM opening failed", e);
    }
  }

  private Cipher begin(int mode, int version, byte[] nonce, String context) {
    Objects.requireNonNull(context, "context");
    if (context.isEmpty()) {
      throw Secrets.invalid("a metadata context is required");
    }
    if (ring.isClosed()) {
      throw Secrets.closed();
    }
    byte[] ctx = context.getBytes(StandardCharsets.UTF_8);
    byte[] aad = ByteBuffer.allocate(1 + ctx.length).put((byte) version).put(ctx).array();
    // A fresh engine: the shared per-thread one refuses a repeated key and nonce, which the
    // golden-file test needs, and metadata is far off the hot path.
    Cipher c = Gcm.newCipher();
    try {
      c.init(mode, key, new GCMParameterSpec(Gcm.TAG_LENGTH * 8, nonce));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM rejected its key or nonce", e);
    }
    c.updateAAD(aad);
    return c;
  }

  void destroy() {
    key.destroy();
  }

  boolean isKeyWiped() {
    return key.isZeroed();
  }

  @Override
  public String toString() {
    return "MetadataCipher[AES-256-GCM, v" + FORMAT_VERSION + "]";
  }
}
