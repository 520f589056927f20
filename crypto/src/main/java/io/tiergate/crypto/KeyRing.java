package io.tiergate.crypto;

import io.tiergate.crypto.KeyRingCodec.Contents;
import io.tiergate.crypto.KeyRingCodec.Kind;
import io.tiergate.crypto.KeyRingCodec.Slot;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import javax.crypto.Mac;

/**
 * The appliance's keys, protected by one or more passphrases.
 *
 * <p><b>Hierarchy.</b> Three kinds of random 256-bit root key do the work: data keys (one per key
 * id; {@link #rotateDataKey()} adds one, old ones stay for reading old packs), the chunk-ID key and
 * the metadata key. They are wrapped (RFC 5649) under a random 256-bit <i>ring key</i>, and each
 * key slot wraps the ring key under a KEK derived from that slot's passphrase with
 * PBKDF2-HMAC-SHA-256. The extra level is what lets a rotation add a data key without knowing every
 * slot's passphrase, and lets a passphrase change re-wrap 32 bytes instead of re-encrypting data.
 *
 * <p><b>Serialised form.</b> Versioned (see {@code KeyRingCodec}), authenticated end to end with an
 * HMAC under a key derived from the ring key, plus a plain checksum so that damage is reported as
 * {@link CryptoException.Code#CORRUPT} rather than as a wrong passphrase. Every change (slot added,
 * passphrase changed, data key rotated) must be followed by {@link #serialize()} and storing the
 * result, locally and in the cloud's {@code keys/}.
 *
 * <p><b>Secrets.</b> Passphrase arrays are read, never kept and never modified (wiping them is the
 * caller's job). No method puts key material in a message or in {@link #toString()}. {@link
 * #close()} zeroes every key the ring holds and stops the hasher, metadata cipher and pack ciphers
 * it handed out.
 *
 * <p>Thread-safe: mutations are serialised; {@link #chunkIdHasher()} and {@link #packCipher}
 * results are safe to share.
 */
public final class KeyRing implements AutoCloseable {
  /** Key ring format version written by this build. */
  public static final int FORMAT_VERSION = KeyRingCodec.FORMAT_VERSION;

  /** Most key slots a ring can hold. */
  public static final int MAX_SLOTS = 8;

  /** Most data keys (rotations plus one) a ring can hold. */
  public static final int MAX_DATA_KEYS = 65_535;

  private static final byte[] WRAP_KEY_INFO =
      "tiergate key ring wrap v1".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] MAC_KEY_INFO =
      "tiergate key ring mac v1".getBytes(StandardCharsets.US_ASCII);

  /** Shared with everything the ring hands out, so they stop when it closes. */
  static final class Liveness {
    private volatile boolean closed;

    boolean isClosed() {
      return closed;
    }
  }

  private final Liveness liveness = new Liveness();
  private final byte[] ringKey;
  private final TreeMap<Integer, byte[]> dataKeys;
  private final byte[] chunkIdKey;
  private final byte[] metadataKey;
  private final List<Slot> slots;
  private final ChunkIdHasher chunkIdHasher;
  private final MetadataCipher metadataCipher;
  private int currentDataKeyId;
  private KdfParams newSlotParams;

  private KeyRing(
      byte[] ringKey,
      TreeMap<Integer, byte[]> dataKeys,
      int currentDataKeyId,
      byte[] chunkIdKey,
      byte[] metadataKey,
      List<Slot> slots,
      KdfParams newSlotParams) {
    this.ringKey = ringKey;
    this.dataKeys = dataKeys;
    this.currentDataKeyId = currentDataKeyId;
    this.chunkIdKey = chunkIdKey;
    this.metadataKey = metadataKey;
    this.slots = slots;
    this.newSlotParams = newSlotParams;
    this.chunkIdHasher = new ChunkIdHasher(chunkIdKey.clone());
    this.metadataCipher = new MetadataCipher(liveness, metadataKey.clone());
  }

  /**
   * A new key ring with fresh random keys and one slot for {@code passphrase}, at the default KDF
   * cost.
   *
   * @throws CryptoException {@code WEAK_PASSPHRASE} if the passphrase fails the standard policy
   */
  public static KeyRing create(char[] passphrase) {
    return create(passphrase, KdfParams.defaults());
  }

  /** As {@link #create(char[])}, with an explicit KDF cost, also used for later slots. */
  public static KeyRing create(char[] passphrase, KdfParams kdf) {
    Objects.requireNonNull(kdf, "kdf");
    PassphrasePolicy.standard().check(passphrase);
    byte[] ringKey = Secrets.randomBytes(Kdf.KEY_LENGTH);
    TreeMap<Integer, byte[]> dataKeys = new TreeMap<>();
    dataKeys.put(1, Secrets.randomBytes(Kdf.KEY_LENGTH));
    List<Slot> slots = new ArrayList<>();
    slots.add(newSlot(ringKey, passphrase, kdf));
    return new KeyRing(
        ringKey,
        dataKeys,
        1,
        Secrets.randomBytes(Kdf.KEY_LENGTH),
        Secrets.randomBytes(Kdf.KEY_LENGTH),
        slots,
        kdf);
  }

  /**
   * Opens a serialised key ring with any one of its passphrases.
   *
   * @throws CryptoException {@code WRONG_PASSPHRASE} if no slot opens; {@code CORRUPT} if the bytes
   *     are damaged or fail authentication; {@code UNSUPPORTED_VERSION} for a newer format
   */
  public static KeyRing unlock(byte[] serialized, char[] passphrase) {
    Objects.requireNonNull(serialized, "serialized");
    Objects.requireNonNull(passphrase, "passphrase");
    Contents contents = KeyRingCodec.decode(serialized);
    byte[] ringKey = null;
    KdfParams opened = null;
    for (Slot slot : contents.slots) {
      ringKey = openSlot(slot, passphrase);
      if (ringKey != null) {
        opened = KdfParams.of(slot.iterations);
        break;
      }
    }
    if (ringKey == null) {
      throw new CryptoException(
          CryptoException.Code.WRONG_PASSPHRASE, "wrong passphrase: no key slot opens with it");
    }
    byte[] wrapKey = null;
    TreeMap<Integer, byte[]> dataKeys = new TreeMap<>();
    byte[] chunkIdKey = null;
    byte[] metadataKey = null;
    boolean ok = false;
    try {
      if (!Secrets.constantTimeEquals(mac(ringKey, contents.authenticated), contents.mac)) {
        throw KeyRingCodec.corrupt("key ring fails authentication: it was altered");
      }
      wrapKey = Kdf.hkdf(ringKey, null, WRAP_KEY_INFO, Kdf.KEY_LENGTH);
      for (Map.Entry<Integer, byte[]> e : contents.wrappedDataKeys.entrySet()) {
        dataKeys.put(e.getKey(), unwrapRoot(wrapKey, e.getValue(), Kind.DATA, e.getKey()));
      }
      chunkIdKey = unwrapRoot(wrapKey, contents.wrappedChunkIdKey, Kind.CHUNK_ID, 0);
      metadataKey = unwrapRoot(wrapKey, contents.wrappedMetadataKey, Kind.METADATA, 0);
      KeyRing ring =
          new KeyRing(
              ringKey,
              dataKeys,
              contents.currentDataKeyId,
              chunkIdKey,
              metadataKey,
              new ArrayList<>(contents.slots),
              opened);
      ok = true;
      return ring;
    } finally {
      Secrets.wipe(wrapKey);
      if (!ok) {
        Secrets.wipe(ringKey);
        dataKeys.values().forEach(Secrets::wipe);
        Secrets.wipe(chunkIdKey);
        Secrets.wipe(metadataKey);
      }
    }
  }

  /**
   * The versioned, authenticated form to store locally and in the cloud. Contains no key in clear.
   */
  public synchronized byte[] serialize() {
    ensureOpen();
    byte[] wrapKey = Kdf.hkdf(ringKey, null, WRAP_KEY_INFO, Kdf.KEY_LENGTH);
    try {
      Map<Integer, byte[]> wrappedData = new LinkedHashMap<>();
      for (Map.Entry<Integer, byte[]> e : dataKeys.entrySet()) {
        wrappedData.put(e.getKey(), wrapRoot(wrapKey, Kind.DATA, e.getKey(), e.getValue()));
      }
      Contents c =
          new Contents(
              slots,
              currentDataKeyId,
              wrappedData,
              wrapRoot(wrapKey, Kind.CHUNK_ID, 0, chunkIdKey),
              wrapRoot(wrapKey, Kind.METADATA, 0, metadataKey));
      byte[] authenticated = KeyRingCodec.encodeAuthenticated(c);
      return KeyRingCodec.seal(authenticated, mac(ringKey, authenticated));
    } finally {
      Secrets.wipe(wrapKey);
    }
  }

  /**
   * Whether {@code serialized} is a form of this very ring: made by whoever held this ring's
   * ring key, so an older generation of it (before a passphrase change, a data-key rotation or
   * a slot change) counts, and another appliance's ring never does, even one opened by the
   * same passphrase. Checked by the ring's own MAC, in constant time; needs no passphrase.
   * Damaged or unreadable bytes are not this ring.
   */
  public synchronized boolean isFormOf(byte[] serialized) {
    ensureOpen();
    Objects.requireNonNull(serialized, "serialized");
    Contents contents;
    try {
      contents = KeyRingCodec.decode(serialized);
    } catch (CryptoException e) {
      return false;
    }
    return Secrets.constantTimeEquals(mac(ringKey, contents.authenticated), contents.mac);
  }

  /**
   * Adds a slot so that {@code newPassphrase} also unlocks this ring, with the KDF cost the ring
   * was created or unlocked with. {@code unlockingPassphrase} must open an existing slot: an
   * unlocked ring left in memory is not enough to add a passphrase.
   */
  public void addSlot(char[] unlockingPassphrase, char[] newPassphrase) {
    addSlot(unlockingPassphrase, newPassphrase, null);
  }

  /** As {@link #addSlot(char[], char[])} with an explicit KDF cost for the new slot. */
  public synchronized void addSlot(
      char[] unlockingPassphrase, char[] newPassphrase, KdfParams kdf) {
    ensureOpen();
    PassphrasePolicy.standard().check(newPassphrase);
    if (slots.size() >= MAX_SLOTS) {
      throw Secrets.invalid("the key ring already has the maximum of " + MAX_SLOTS + " slots");
    }
    findSlot(unlockingPassphrase);
    slots.add(newSlot(ringKey, newPassphrase, kdf != null ? kdf : newSlotParams));
  }

  /**
   * Removes the slot that {@code passphrase} opens. The last slot cannot be removed: the ring would
   * be lost.
   */
  public synchronized void removeSlot(char[] passphrase) {
    ensureOpen();
    if (slots.size() == 1) {
      throw Secrets.invalid("cannot remove the only key slot");
    }
    slots.remove(findSlot(passphrase));
  }

  /**
   * Replaces the slot that {@code oldPassphrase} opens with one for {@code newPassphrase}. Only the
   * ring key is re-wrapped; no data is re-encrypted. On any error nothing is changed.
   *
   * @throws CryptoException {@code WRONG_PASSPHRASE} or {@code WEAK_PASSPHRASE}
   */
  public void changePassphrase(char[] oldPassphrase, char[] newPassphrase) {
    changePassphrase(oldPassphrase, newPassphrase, null);
  }

  /** As {@link #changePassphrase(char[], char[])}, also setting the slot's KDF cost. */
  public synchronized void changePassphrase(
      char[] oldPassphrase, char[] newPassphrase, KdfParams kdf) {
    ensureOpen();
    PassphrasePolicy.standard().check(newPassphrase);
    int index = findSlot(oldPassphrase);
    KdfParams params = kdf;
    if (params == null) {
      // Never lower a slot's cost by changing its passphrase.
      int old = slots.get(index).iterations;
      params = old > newSlotParams.iterations() ? KdfParams.of(old) : newSlotParams;
    }
    slots.set(index, newSlot(ringKey, newPassphrase, params));
  }

  /** Number of key slots. */
  public synchronized int slotCount() {
    ensureOpen();
    return slots.size();
  }

  /**
   * Adds a new random data key and makes it current for new packs. Packs sealed under older key ids
   * stay readable.
   *
   * @return the new key id
   */
  public synchronized int rotateDataKey() {
    ensureOpen();
    if (dataKeys.size() >= MAX_DATA_KEYS) {
      throw Secrets.invalid(
          "the key ring already has the maximum of " + MAX_DATA_KEYS + " data keys");
    }
    int id = Math.addExact(dataKeys.lastKey(), 1);
    dataKeys.put(id, Secrets.randomBytes(Kdf.KEY_LENGTH));
    currentDataKeyId = id;
    return id;
  }

  /** The data key id new packs are sealed under. */
  public synchronized int currentDataKeyId() {
    ensureOpen();
    return currentDataKeyId;
  }

  /** A fresh random {@value PackCipher#PACK_SALT_LENGTH}-byte pack salt. */
  public byte[] newPackSalt() {
    ensureOpen();
    return Secrets.randomBytes(PackCipher.PACK_SALT_LENGTH);
  }

  /**
   * The cipher for a pack being written: current data key, fresh salt. Record {@link
   * PackCipher#keyId()} and {@link PackCipher#packSalt()} in the pack.
   */
  public synchronized PackCipher newPackCipher(byte[] packId) {
    return packCipher(currentDataKeyId, packId, newPackSalt());
  }

  /**
   * The cipher of an existing pack, from the key id and salt recorded in it.
   *
   * @throws CryptoException {@code UNKNOWN_KEY_ID} if this ring has no such data key
   */
  public synchronized PackCipher packCipher(int keyId, byte[] packId, byte[] packSalt) {
    ensureOpen();
    PackCipher.checkPackArgs(packId, packSalt);
    byte[] dataKey = dataKeys.get(keyId);
    if (dataKey == null) {
      throw new CryptoException(
          CryptoException.Code.UNKNOWN_KEY_ID, "no data key with id " + keyId + " in the key ring");
    }
    return new PackCipher(liveness, dataKey, keyId, packId, packSalt);
  }

  /** The chunk-ID hasher; one shared, thread-safe instance. */
  public ChunkIdHasher chunkIdHasher() {
    ensureOpen();
    return chunkIdHasher;
  }

  /** The metadata cipher; one shared, thread-safe instance. */
  public MetadataCipher metadataCipher() {
    ensureOpen();
    return metadataCipher;
  }

  /** Zeroes all key material. Idempotent. */
  @Override
  public synchronized void close() {
    liveness.closed = true;
    Secrets.wipe(ringKey);
    dataKeys.values().forEach(Secrets::wipe);
    Secrets.wipe(chunkIdKey);
    Secrets.wipe(metadataKey);
    chunkIdHasher.destroy();
    metadataCipher.destroy();
  }

  /** Whether {@link #close()} has run. */
  public boolean isClosed() {
    return liveness.isClosed();
  }

  @Override
  public synchronized String toString() {
    if (liveness.isClosed()) {
      return "KeyRing[closed]";
    }
    return "KeyRing[v"
        + FORMAT_VERSION
        + ", slots="
        + slots.size()
        + ", dataKeys="
        + dataKeys.size()
        + ", currentDataKeyId="
        + currentDataKeyId
        + "]";
  }

  /** For tests: every key array this ring and its helpers held is zero. */
  synchronized boolean isWiped() {
    List<byte[]> all = new ArrayList<>(dataKeys.values());
    all.add(ringKey);
    all.add(chunkIdKey);
    all.add(metadataKey);
    for (byte[] k : all) {
      for (byte b : k) {
        if (b != 0) {
          return false;
        }
      }
    }
    return chunkIdHasher.isDestroyed() && metadataCipher.isKeyWiped();
  }

  private void ensureOpen() {
    if (liveness.isClosed()) {
      throw Secrets.closed();
    }
  }

  /** Index of the slot {@code passphrase} opens; WRONG_PASSPHRASE if none. */
  private int findSlot(char[] passphrase) {
    Objects.requireNonNull(passphrase, "passphrase");
    for (int i = 0; i < slots.size(); i++) {
      byte[] k = openSlot(slots.get(i), passphrase);
      if (k != null) {
        boolean same = Secrets.constantTimeEquals(k, ringKey);
        Secrets.wipe(k);
        if (same) {
          return i;
        }
      }
    }
    throw new CryptoException(
        CryptoException.Code.WRONG_PASSPHRASE, "wrong passphrase: no key slot opens with it");
  }

  private static Slot newSlot(byte[] ringKey, char[] passphrase, KdfParams kdf) {
    byte[] salt = Secrets.randomBytes(KdfParams.SALT_LENGTH);
    byte[] kek = Kdf.pbkdf2(passphrase, salt, kdf.iterations(), Kdf.KEY_LENGTH);
    byte[] payload = KeyRingCodec.payload(Kind.RING, 0, ringKey);
    try {
      return new Slot(kdf.iterations(), salt, KeyWrap.wrap(kek, payload));
    } finally {
      Secrets.wipe(kek);
      Secrets.wipe(payload);
    }
  }

  /** The ring key if {@code passphrase} opens {@code slot}, else null. */
  private static byte[] openSlot(Slot slot, char[] passphrase) {
    if (passphrase.length == 0) {
      return null; // no slot can have an empty passphrase; PBKDF2 providers differ on it
    }
    byte[] kek = Kdf.pbkdf2(passphrase, slot.salt, slot.iterations, Kdf.KEY_LENGTH);
    byte[] payload = KeyWrap.unwrapOrNull(kek, slot.wrappedRingKey);
    Secrets.wipe(kek);
    try {
      return KeyRingCodec.keyFromPayload(payload, Kind.RING, 0);
    } finally {
      Secrets.wipe(payload);
    }
  }

  private static byte[] wrapRoot(byte[] wrapKey, Kind kind, int keyId, byte[] key) {
    byte[] payload = KeyRingCodec.payload(kind, keyId, key);
    try {
      return KeyWrap.wrap(wrapKey, payload);
    } finally {
      Secrets.wipe(payload);
    }
  }

  private static byte[] unwrapRoot(byte[] wrapKey, byte[] wrapped, Kind kind, int keyId) {
    byte[] payload = KeyWrap.unwrapOrNull(wrapKey, wrapped);
    try {
      byte[] key = KeyRingCodec.keyFromPayload(payload, kind, keyId);
      if (key == null) {
        throw KeyRingCodec.corrupt("a wrapped key in the key ring is damaged");
      }
      return key;
    } finally {
      Secrets.wipe(payload);
    }
  }

  private static byte[] mac(byte[] ringKey, byte[] data) {
    WipeableKey macKey =
        new WipeableKey("HmacSHA256", Kdf.hkdf(ringKey, null, MAC_KEY_INFO, Kdf.KEY_LENGTH));
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(macKey);
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw Secrets.providerFailure("HmacSHA256", e);
    } finally {
      macKey.destroy();
    }
  }
}
