package io.tiergate.crypto;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The byte layout of a serialised key ring, version 1. Pure encoding: the cryptography lives in
 * {@link KeyRing}.
 *
 * <pre>
 * magic "TGKR" (4) | format version (1) | slot count n (1)
 * n x slot:     kdf id (1) | iterations (4) | salt (16) | wrapped ring key (48)
 * current data key id (4) | data key count m (2)
 * m x data key: key id (4) | wrapped data key (48)
 * wrapped chunk-ID key (48) | wrapped metadata key (48)
 * HMAC-SHA-256 under the ring's MAC key of everything above (32)
 * SHA-256 of everything above (32)
 * </pre>
 *
 * <p>All integers are big-endian. Every wrapped item is RFC 5649 of a 38-byte payload {@code format
 * version (1) | kind (1) | key id (4) | key (32)}, which binds the version and the key's role into
 * the wrap: a data key cannot be passed off as the chunk-ID key, nor a version 1 slot read as
 * another version. The trailing SHA-256 tells accidental damage (a bad disk, a truncated upload)
 * apart from a wrong passphrase before any expensive KDF runs; it is no defence against an
 * attacker, which is the HMAC's job.
 */
final class KeyRingCodec {
  static final byte[] MAGIC = {'T', 'G', 'K', 'R'};
  static final int FORMAT_VERSION = 1;
  static final int KDF_PBKDF2_HMAC_SHA256 = 1;
  static final int PAYLOAD_LENGTH = 1 + 1 + 4 + Kdf.KEY_LENGTH;
  static final int WRAPPED_LENGTH = 48;
  static final int MAC_LENGTH = 32;
  static final int CHECKSUM_LENGTH = 32;
  static final int SLOT_LENGTH = 1 + 4 + KdfParams.SALT_LENGTH + WRAPPED_LENGTH;
  static final int DATA_KEY_LENGTH = 4 + WRAPPED_LENGTH;

  /** Role of a wrapped key, bound into its wrapped payload. */
  enum Kind {
    RING(1),
    DATA(2),
    CHUNK_ID(3),
    METADATA(4);

    final int code;

    Kind(int code) {
      this.code = code;
    }
  }

  /** One key slot as stored. */
  static final class Slot {
    final int iterations;
    final byte[] salt;
    final byte[] wrappedRingKey;

    Slot(int iterations, byte[] salt, byte[] wrappedRingKey) {
      this.iterations = iterations;
      this.salt = salt;
      this.wrappedRingKey = wrappedRingKey;
    }
  }

  /** Everything in a serialised key ring, still wrapped. */
  static final class Contents {
    final List<Slot> slots;
    final int currentDataKeyId;
    final Map<Integer, byte[]> wrappedDataKeys;
    final byte[] wrappedChunkIdKey;
    final byte[] wrappedMetadataKey;
    // Filled by decode(): the bytes the MAC covers, and the MAC found.
    byte[] authenticated;
    byte[] mac;

    Contents(
        List<Slot> slots,
        int currentDataKeyId,
        Map<Integer, byte[]> wrappedDataKeys,
        byte[] wrappedChunkIdKey,
        byte[] wrappedMetadataKey) {
      this.slots = slots;
      this.currentDataKeyId = currentDataKeyId;
      this.wrappedDataKeys = wrappedDataKeys;
      this.wrappedChunkIdKey = wrappedChunkIdKey;
      this.wrappedMetadataKey = wrappedMetadataKey;
    }
  }

  private KeyRingCodec() {}

  static byte[] payload(Kind kind, int keyId, byte[] key) {
    ByteBuffer b = ByteBuffer.allocate(PAYLOAD_LENGTH);
    b.put((byte) FORMAT_VERSION).put((byte) kind.code).putInt(keyId).put(key);
    return b.array();
  }

  /**
   * The key inside an unwrapped payload, or null if the payload is not a version 1 payload of that
   * kind and id. The header is compared without an early exit.
   */
  static byte[] keyFromPayload(byte[] payload, Kind kind, int keyId) {
    if (payload == null || payload.length != PAYLOAD_LENGTH) {
      return null;
    }
    byte[] expected =
        ByteBuffer.allocate(6)
            .put((byte) FORMAT_VERSION)
            .put((byte) kind.code)
            .putInt(keyId)
            .array();
    byte[] actual = Arrays.copyOf(payload, 6);
    if (!Secrets.constantTimeEquals(expected, actual)) {
      return null;
    }
    return Arrays.copyOfRange(payload, 6, PAYLOAD_LENGTH);
  }

  /** The bytes covered by the MAC. */
  static byte[] encodeAuthenticated(Contents c) {
    int size =
        MAGIC.length
            + 2
            + c.slots.size() * SLOT_LENGTH
            + 4
            + 2
            + c.wrappedDataKeys.size() * DATA_KEY_LENGTH
            + 2 * WRAPPED_LENGTH;
    ByteBuffer b = ByteBuffer.allocate(size);
    b.put(MAGIC).put((byte) FORMAT_VERSION).put((byte) c.slots.size());
    for (Slot s : c.slots) {
      b.put((byte) KDF_PBKDF2_HMAC_SHA256).putInt(s.iterations).put(s.salt).put(s.wrappedRingKey);
    }
    b.putInt(c.currentDataKeyId).putShort((short) c.wrappedDataKeys.size());
    for (Map.Entry<Integer, byte[]> e : c.wrappedDataKeys.entrySet()) {
      b.putInt(e.getKey()).put(e.getValue());
    }
    b.put(c.wrappedChunkIdKey).put(c.wrappedMetadataKey);
    return b.array();
  }

  /** Appends the MAC and the checksum. */
  static byte[] seal(byte[] authenticated, byte[] mac) {
    byte[] out = Arrays.copyOf(authenticated, authenticated.length + MAC_LENGTH + CHECKSUM_LENGTH);
    System.arraycopy(mac, 0, out, authenticated.length, MAC_LENGTH);
    MessageDigest sha = Secrets.sha256();
    sha.update(out, 0, authenticated.length + MAC_LENGTH);
    System.arraycopy(sha.digest(), 0, out, authenticated.length + MAC_LENGTH, CHECKSUM_LENGTH);
    return out;
  }

  /**
   * Parses a serialised key ring. Checks, in order: magic, version, checksum, structure. Nothing
   * secret is needed or touched.
   */
  static Contents decode(byte[] in) {
    if (in.length < MAGIC.length + 1 || !Arrays.equals(Arrays.copyOf(in, MAGIC.length), MAGIC)) {
      throw corrupt("not a Tiergate key ring");
    }
    int version = in[MAGIC.length] & 0xff;
    if (version != FORMAT_VERSION) {
      throw new CryptoException(
          CryptoException.Code.UNSUPPORTED_VERSION,
          "unsupported key ring format version "
              + version
              + "; this build reads version "
              + FORMAT_VERSION);
    }
    if (in.length < MAGIC.length + 2 + MAC_LENGTH + CHECKSUM_LENGTH) {
      throw corrupt("key ring is truncated");
    }
    int checked = in.length - CHECKSUM_LENGTH;
    MessageDigest sha = Secrets.sha256();
    sha.update(in, 0, checked);
    if (!MessageDigest.isEqual(sha.digest(), Arrays.copyOfRange(in, checked, in.length))) {
      throw corrupt("key ring is damaged (checksum mismatch)");
    }
    int authLen = checked - MAC_LENGTH;
    ByteBuffer b = ByteBuffer.wrap(in, 0, authLen);
    try {
      b.position(MAGIC.length + 1);
      int slotCount = b.get() & 0xff;
      if (slotCount == 0 || slotCount > KeyRing.MAX_SLOTS) {
        throw corrupt("key ring has an invalid number of slots");
      }
      List<Slot> slots = new ArrayList<>(slotCount);
      for (int i = 0; i < slotCount; i++) {
        int kdf = b.get() & 0xff;
        if (kdf != KDF_PBKDF2_HMAC_SHA256) {
          throw new CryptoException(
              CryptoException.Code.UNSUPPORTED_VERSION, "key slot uses an unknown KDF " + kdf);
        }
        int iterations = b.getInt();
        if (iterations < 1 || iterations > KdfParams.MAX_ITERATIONS) {
          throw corrupt("key slot has an invalid iteration count");
        }
        slots.add(new Slot(iterations, bytes(b, KdfParams.SALT_LENGTH), bytes(b, WRAPPED_LENGTH)));
      }
      int current = b.getInt();
      int count = b.getShort() & 0xffff;
      if (count == 0) {
        throw corrupt("key ring has no data key");
      }
      Map<Integer, byte[]> dataKeys = new LinkedHashMap<>();
      int previous = 0;
      for (int i = 0; i < count; i++) {
        int id = b.getInt();
        if (id <= previous) {
          throw corrupt("key ring data key ids are not increasing");
        }
        previous = id;
        dataKeys.put(id, bytes(b, WRAPPED_LENGTH));
      }
      if (!dataKeys.containsKey(current)) {
        throw corrupt("key ring's current data key is missing");
      }
      Contents c =
          new Contents(
              slots, current, dataKeys, bytes(b, WRAPPED_LENGTH), bytes(b, WRAPPED_LENGTH));
      if (b.hasRemaining()) {
        throw corrupt("key ring has trailing bytes");
      }
      c.authenticated = Arrays.copyOf(in, authLen);
      c.mac = Arrays.copyOfRange(in, authLen, checked);
      return c;
    } catch (BufferUnderflowException e) {
      throw corrupt("key ring is truncated");
    }
  }

  private static byte[] bytes(ByteBuffer b, int n) {
    byte[] out = new byte[n];
    b.get(out);
    return out;
  }

  static CryptoException corrupt(String message) {
    return new CryptoException(CryptoException.Code.CORRUPT, message);
  }
}
