package io.tiergate.crypto;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * Seals and opens the records of one pack object.
 *
 * <p><b>Keys.</b> Each pack has its own AES-256 key, HKDF-SHA-256 of the data key with the pack's
 * random 32-byte salt, the info binding the record format version, the data key id and the pack id.
 * Distinct packs therefore never share a GCM key, even if a pack id were ever reused.
 *
 * <p><b>Nonces.</b> The 96-bit GCM nonce is the record index as a big-endian counter (four zero
 * bytes, then the index as eight bytes). Indices run from 0 to {@link #MAX_RECORD_INDEX}; anything
 * else is refused rather than truncated, so two records can never share a nonce under one key.
 * Sealing additionally refuses an index that is not above the last one this instance sealed: a pack
 * is written front to back, and a retry must reuse the sealed bytes, not seal again. Only one
 * instance may seal a given (pack id, salt); {@link KeyRing#newPackCipher(byte[])} draws a fresh
 * salt for every pack so that this holds by construction. (The JDK's engine also refuses to seal
 * under the same key and nonce twice in a row on one thread, reported the same way; that is a last
 * line of defence, not a guarantee.)
 *
 * <p><b>Record format, version 1.</b> {@code version (1 byte) | ciphertext | tag (16 bytes)}, so
 * {@value #RECORD_OVERHEAD} bytes longer than the plaintext. The AAD is {@code version (1) | key id
 * (4) | pack id length (1) | pack id | record index (8)}, all big-endian: a record moved to another
 * pack, another index or another key id, or relabelled with another version, fails authentication.
 * The format is pinned by a golden file in the tests.
 *
 * <p>Thread-safe: any number of threads may open records concurrently. Close the instance when the
 * pack is done to wipe its key; it also stops working when its key ring is closed.
 */
public final class PackCipher implements AutoCloseable {
  /** Record format version written by this build. */
  public static final int RECORD_FORMAT_VERSION = 1;

  /** Bytes a sealed record adds to its plaintext: version byte and GCM tag. */
  public static final int RECORD_OVERHEAD = 1 + Gcm.TAG_LENGTH;

  /** Length of a pack salt. */
  public static final int PACK_SALT_LENGTH = 32;

  /** Longest pack id accepted. */
  public static final int MAX_PACK_ID_LENGTH = 64;

  /** Largest record index: the index is a non-negative {@code long}. */
  public static final long MAX_RECORD_INDEX = Long.MAX_VALUE;

  private static final byte[] HKDF_LABEL =
      "tiergate pack key v1".getBytes(StandardCharsets.US_ASCII);

  private final KeyRing.Liveness ring;
  private final int keyId;
  private final byte[] packId;
  private final byte[] packSalt;
  private final WipeableKey packKey;
  // AAD of index 0; each record gets a copy with its index in the last eight bytes.
  private final byte[] aadTemplate;
  private final AtomicLong lastSealed = new AtomicLong(-1);
  private volatile boolean closed;

  PackCipher(KeyRing.Liveness ring, byte[] dataKey, int keyId, byte[] packId, byte[] packSalt) {
    this.ring = ring;
    this.keyId = keyId;
    this.packId = packId.clone();
    this.packSalt = packSalt.clone();
    this.packKey =
        new WipeableKey("AES", derivePackKey(dataKey, keyId, this.packId, this.packSalt));
    this.aadTemplate = aad(RECORD_FORMAT_VERSION, keyId, this.packId, 0);
  }

  static void checkPackArgs(byte[] packId, byte[] packSalt) {
    Objects.requireNonNull(packId, "packId");
    Objects.requireNonNull(packSalt, "packSalt");
    if (packId.length == 0 || packId.length > MAX_PACK_ID_LENGTH) {
      throw Secrets.invalid("a pack id must be 1 to " + MAX_PACK_ID_LENGTH + " bytes");
    }
    if (packSalt.length != PACK_SALT_LENGTH) {
      throw Secrets.invalid("a pack salt must be " + PACK_SALT_LENGTH + " bytes");
    }
  }

  static byte[] derivePackKey(byte[] dataKey, int keyId, byte[] packId, byte[] packSalt) {
    ByteBuffer info = ByteBuffer.allocate(HKDF_LABEL.length + 4 + 1 + packId.length);
    info.put(HKDF_LABEL).putInt(keyId).put((byte) packId.length).put(packId);
    return Kdf.hkdf(dataKey, packSalt, info.array(), Kdf.KEY_LENGTH);
  }

  static byte[] aad(int version, int keyId, byte[] packId, long recordIndex) {
    ByteBuffer b = ByteBuffer.allocate(1 + 4 + 1 + packId.length + 8);
    b.put((byte) version).putInt(keyId).put((byte) packId.length).put(packId).putLong(recordIndex);
    return b.array();
  }

  static byte[] nonce(long recordIndex) {
    byte[] n = new byte[Gcm.NONCE_LENGTH];
    ByteBuffer.wrap(n).order(ByteOrder.BIG_ENDIAN).putLong(4, recordIndex);
    return n;
  }

  /** The data key id this pack is sealed under; record it in the pack. */
  public int keyId() {
    return keyId;
  }

  /** A copy of the pack id. */
  public byte[] packId() {
    return packId.clone();
  }

  /** A copy of the pack salt; not secret, record it in the pack header. */
  public byte[] packSalt() {
    return packSalt.clone();
  }

  /** Length of the sealed form of a {@code plainLength}-byte record. */
  public static int sealedLength(int plainLength) {
    return Math.addExact(plainLength, RECORD_OVERHEAD);
  }

  /**
   * Seals {@code len} bytes of {@code plain} from {@code off} as record {@code recordIndex}.
   *
   * @return {@code version | ciphertext | tag}, {@link #sealedLength(int)} bytes
   * @throws CryptoException {@code RECORD_INDEX_OUT_OF_RANGE} if the index is negative or not above
   *     the last index this instance sealed
   */
  public byte[] encryptRecord(long recordIndex, byte[] plain, int off, int len) {
    Objects.checkFromIndexSize(off, len, plain.length);
    Cipher c = begin(Cipher.ENCRYPT_MODE, RECORD_FORMAT_VERSION, reserveForSealing(recordIndex));
    byte[] out = new byte[sealedLength(len)];
    out[0] = (byte) RECORD_FORMAT_VERSION;
    try {
      c.doFinal(plain, off, len, out, 1);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM sealing failed", e);
    }
    return out;
  }

  /**
   * Seals the bytes between {@code plain}'s position and limit into {@code out} at its position,
   * for callers that assemble a pack in one buffer. Advances both positions.
   *
   * @return bytes written to {@code out}
   */
  public int encryptRecord(long recordIndex, ByteBuffer plain, ByteBuffer out) {
    int sealed = sealedLength(plain.remaining());
    if (out.remaining() < sealed) {
      throw Secrets.invalid("output buffer too small for the sealed record");
    }
    Cipher c = begin(Cipher.ENCRYPT_MODE, RECORD_FORMAT_VERSION, reserveForSealing(recordIndex));
    out.put((byte) RECORD_FORMAT_VERSION);
    try {
      c.doFinal(plain, out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM sealing failed", e);
    }
    return sealed;
  }

  /**
   * Opens the sealed record at {@code off, len} of {@code sealed}, which must be record {@code
   * recordIndex} of this pack.
   *
   * @return the plaintext
   * @throws CryptoException {@code AUTHENTICATION_FAILED} if anything about it is not genuine,
   *     {@code UNSUPPORTED_VERSION} for an unknown record format, {@code CORRUPT} if too short
   */
  public byte[] decryptRecord(long recordIndex, byte[] sealed, int off, int len) {
    Objects.checkFromIndexSize(off, len, sealed.length);
    if (len < RECORD_OVERHEAD) {
      throw new CryptoException(CryptoException.Code.CORRUPT, "sealed record is truncated");
    }
    checkIndex(recordIndex);
    Cipher c = begin(Cipher.DECRYPT_MODE, checkVersion(sealed[off]), recordIndex);
    try {
      return c.doFinal(sealed, off + 1, len - 1);
    } catch (AEADBadTagException e) {
      throw authenticationFailed(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM opening failed", e);
    }
  }

  /**
   * Opens the sealed record between {@code sealed}'s position and limit into {@code out} at its
   * position. On success advances both positions; on failure neither moves and nothing of the
   * plaintext is left in {@code out}.
   *
   * @return bytes of plaintext written
   */
  public int decryptRecord(long recordIndex, ByteBuffer sealed, ByteBuffer out) {
    int len = sealed.remaining();
    if (len < RECORD_OVERHEAD) {
      throw new CryptoException(CryptoException.Code.CORRUPT, "sealed record is truncated");
    }
    int plainLen = len - RECORD_OVERHEAD;
    if (out.remaining() < plainLen) {
      throw Secrets.invalid("output buffer too small for the record");
    }
    checkIndex(recordIndex);
    int inPos = sealed.position();
    int outPos = out.position();
    Cipher c = begin(Cipher.DECRYPT_MODE, checkVersion(sealed.get(inPos)), recordIndex);
    sealed.position(inPos + 1);
    try {
      return c.doFinal(sealed, out);
    } catch (GeneralSecurityException | RuntimeException e) {
      sealed.position(inPos);
      // The JDK verifies the tag before it writes plaintext, but don't rely on it.
      for (int i = 0; i < plainLen; i++) {
        out.put(outPos + i, (byte) 0);
      }
      out.position(outPos);
      if (e instanceof AEADBadTagException) {
        throw authenticationFailed(e);
      }
      if (e instanceof RuntimeException) {
        throw (RuntimeException) e;
      }
      throw new IllegalStateException("AES-GCM opening failed", e);
    }
  }

  private static CryptoException authenticationFailed(Exception cause) {
    return new CryptoException(
        CryptoException.Code.AUTHENTICATION_FAILED,
        "record failed authentication: wrong pack, index, key id or damaged data",
        cause);
  }

  private static int checkVersion(byte v) {
    if (v != RECORD_FORMAT_VERSION) {
      throw new CryptoException(
          CryptoException.Code.UNSUPPORTED_VERSION,
          "unsupported record format version " + (v & 0xff));
    }
    return v;
  }

  private static void checkIndex(long recordIndex) {
    if (recordIndex < 0 || recordIndex > MAX_RECORD_INDEX) {
      throw new CryptoException(
          CryptoException.Code.RECORD_INDEX_OUT_OF_RANGE,
          "record index must be between 0 and " + MAX_RECORD_INDEX);
    }
  }

  private long reserveForSealing(long recordIndex) {
    checkIndex(recordIndex);
    ensureOpen();
    while (true) {
      long last = lastSealed.get();
      if (recordIndex <= last) {
        throw new CryptoException(
            CryptoException.Code.RECORD_INDEX_OUT_OF_RANGE,
            "record index already used for sealing in this pack; indices must increase");
      }
      if (lastSealed.compareAndSet(last, recordIndex)) {
        return recordIndex;
      }
    }
  }

  private Cipher begin(int mode, int version, long recordIndex) {
    ensureOpen();
    byte[] aad = aadTemplate.clone();
    aad[0] = (byte) version;
    ByteBuffer.wrap(aad).putLong(aad.length - 8, recordIndex);
    Cipher c = Gcm.cipher();
    try {
      c.init(mode, packKey, new GCMParameterSpec(Gcm.TAG_LENGTH * 8, nonce(recordIndex)));
    } catch (InvalidAlgorithmParameterException e) {
      // The JDK refuses to seal twice in a row under the same key and nonce on one engine: a
      // second PackCipher for the same pack and salt is re-sealing an index.
      throw new CryptoException(
          CryptoException.Code.RECORD_INDEX_OUT_OF_RANGE,
          "record index was just sealed under the same pack key; a nonce must never repeat",
          e);
    } catch (InvalidKeyException e) {
      throw new IllegalStateException("AES-GCM rejected its key", e);
    }
    c.updateAAD(aad);
    return c;
  }

  private void ensureOpen() {
    if (closed || ring.isClosed()) {
      throw Secrets.closed();
    }
  }

  /** Wipes the pack key. Idempotent. */
  @Override
  public void close() {
    closed = true;
    packKey.destroy();
  }

  boolean isKeyWiped() {
    return packKey.isZeroed();
  }

  @Override
  public String toString() {
    return "PackCipher[keyId=" + keyId + (closed ? ", closed" : "") + "]";
  }
}
