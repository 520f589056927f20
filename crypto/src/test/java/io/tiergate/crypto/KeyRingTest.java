package io.tiergate.crypto;

import static io.tiergate.crypto.TestKeys.FAST;
import static io.tiergate.crypto.TestKeys.OTHER;
import static io.tiergate.crypto.TestKeys.PASSPHRASE;
import static io.tiergate.crypto.TestKeys.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.crypto.CryptoException.Code;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class KeyRingTest {
  private static final byte[] PACK = TestKeys.hex("0102030405060708090a0b0c0d0e0f10");
  // Layout offsets of a version 1 ring (see KeyRingCodec).
  private static final int SLOTS = 6;
  private static final int SLOT_ITERATIONS = 1;
  private static final int SLOT_SALT = 5;
  private static final int SLOT_WRAPPED = 21;

  private static void assertCode(Code code, Executable e) {
    assertEquals(code, assertThrows(CryptoException.class, e).code());
  }

  private static byte[] chunkId(KeyRing ring, byte[] data) {
    return ring.chunkIdHasher().hash(data, 0, data.length).toBytes();
  }

  /** What an attacker who can write the stored ring would do: edit, then fix the checksum. */
  private static byte[] withChecksumFixed(byte[] ring) {
    byte[] out = ring.clone();
    MessageDigest sha = Secrets.sha256();
    sha.update(out, 0, out.length - 32);
    System.arraycopy(sha.digest(), 0, out, out.length - 32, 32);
    return out;
  }

  private static int dataKeysOffset(int slots) {
    return SLOTS + slots * KeyRingCodec.SLOT_LENGTH + 6;
  }

  @Test
  void unlockGivesBackTheSameKeys() {
    byte[] data = pattern(65536, 1);
    try (KeyRing ring = TestKeys.newRing()) {
      byte[] sealed = ring.packCipher(1, PACK, new byte[32]).encryptRecord(0, data, 0, data.length);
      byte[] meta = ring.metadataCipher().encrypt(data, "catalogue");
      byte[] serialized = ring.serialize();
      try (KeyRing again = KeyRing.unlock(serialized, PASSPHRASE.toCharArray())) {
        assertArrayEquals(chunkId(ring, data), chunkId(again, data));
        assertArrayEquals(
            data,
            again.packCipher(1, PACK, new byte[32]).decryptRecord(0, sealed, 0, sealed.length));
        assertArrayEquals(data, again.metadataCipher().decrypt(meta, "catalogue"));
        assertEquals(1, again.currentDataKeyId());
        assertEquals(1, again.slotCount());
        assertArrayEquals(serialized, again.serialize());
      }
    }
  }

  @Test
  void twoRingsShareNoKeys() {
    byte[] data = pattern(100, 1);
    try (KeyRing a = TestKeys.newRing();
        KeyRing b = TestKeys.newRing()) {
      assertFalse(Arrays.equals(chunkId(a, data), chunkId(b, data)));
    }
  }

  /** The production cost; the only test that pays for it. */
  @Test
  void defaultCostRingRoundTrips() {
    try (KeyRing ring = KeyRing.create(PASSPHRASE.toCharArray())) {
      byte[] serialized = ring.serialize();
      int iterations = ByteBuffer.wrap(serialized, SLOTS + SLOT_ITERATIONS, 4).getInt();
      assertEquals(600_000, iterations);
      try (KeyRing again = KeyRing.unlock(serialized, PASSPHRASE.toCharArray())) {
        assertEquals(ring.currentDataKeyId(), again.currentDataKeyId());
      }
    }
  }

  @Test
  void wrongPassphraseIsATypedErrorAndTouchesNothing() {
    try (KeyRing ring = TestKeys.newRing()) {
      byte[] serialized = ring.serialize();
      byte[] copy = serialized.clone();
      CryptoException e =
          assertThrows(
              CryptoException.class, () -> KeyRing.unlock(serialized, OTHER.toCharArray()));
      assertEquals(Code.WRONG_PASSPHRASE, e.code());
      assertTrue(e.getMessage().contains("wrong passphrase"));
      assertArrayEquals(copy, serialized);
      assertCode(Code.WRONG_PASSPHRASE, () -> KeyRing.unlock(serialized, new char[0]));
      // One character off.
      char[] near = PASSPHRASE.toCharArray();
      near[near.length - 1] ^= 1;
      assertCode(Code.WRONG_PASSPHRASE, () -> KeyRing.unlock(serialized, near));
    }
  }

  @Test
  void createRefusesAWeakPassphrase() {
    assertCode(Code.WEAK_PASSPHRASE, () -> KeyRing.create("short".toCharArray(), FAST));
  }

  @Test
  void addedSlotUnlocksTheSameKeys() {
    byte[] data = pattern(100, 2);
    try (KeyRing ring = TestKeys.newRing()) {
      ring.addSlot(PASSPHRASE.toCharArray(), OTHER.toCharArray());
      assertEquals(2, ring.slotCount());
      byte[] serialized = ring.serialize();
      for (String p : new String[] {PASSPHRASE, OTHER}) {
        try (KeyRing again = KeyRing.unlock(serialized, p.toCharArray())) {
          assertArrayEquals(chunkId(ring, data), chunkId(again, data));
          assertEquals(2, again.slotCount());
        }
      }
    }
  }

  @Test
  void addSlotNeedsAPassphraseThatAlreadyOpensTheRing() {
    try (KeyRing ring = TestKeys.newRing()) {
      byte[] before = ring.serialize();
      assertCode(
          Code.WRONG_PASSPHRASE,
          () -> ring.addSlot("not one of the slots".toCharArray(), OTHER.toCharArray()));
      assertCode(
          Code.WEAK_PASSPHRASE,
          () -> ring.addSlot(PASSPHRASE.toCharArray(), "tooshort".toCharArray()));
      assertArrayEquals(before, ring.serialize());
    }
  }

  @Test
  void slotCountIsBounded() {
    try (KeyRing ring = TestKeys.newRing()) {
      for (int i = 1; i < KeyRing.MAX_SLOTS; i++) {
        ring.addSlot(PASSPHRASE.toCharArray(), (OTHER + i).toCharArray(), FAST);
      }
      assertCode(
          Code.INVALID_ARGUMENT,
          () -> ring.addSlot(PASSPHRASE.toCharArray(), (OTHER + "x").toCharArray()));
      try (KeyRing again = KeyRing.unlock(ring.serialize(), (OTHER + 7).toCharArray())) {
        assertEquals(KeyRing.MAX_SLOTS, again.slotCount());
      }
    }
  }

  @Test
  void changePassphraseReWrapsOnly() {
    byte[] data = pattern(1000, 3);
    try (KeyRing ring = TestKeys.newRing()) {
      byte[] sealed = ring.packCipher(1, PACK, new byte[32]).encryptRecord(0, data, 0, data.length);
      byte[] before = ring.serialize();
      ring.changePassphrase(PASSPHRASE.toCharArray(), OTHER.toCharArray());
      byte[] after = ring.serialize();
      assertEquals(before.length, after.length);
      // Everything past the slot is re-serialised identically except the MAC and checksum.
      int slotEnd = SLOTS + KeyRingCodec.SLOT_LENGTH;
      assertArrayEquals(
          Arrays.copyOfRange(before, slotEnd, before.length - 64),
          Arrays.copyOfRange(after, slotEnd, after.length - 64));
      assertCode(Code.WRONG_PASSPHRASE, () -> KeyRing.unlock(after, PASSPHRASE.toCharArray()));
      try (KeyRing again = KeyRing.unlock(after, OTHER.toCharArray())) {
        assertArrayEquals(
            data,
            again.packCipher(1, PACK, new byte[32]).decryptRecord(0, sealed, 0, sealed.length));
      }
    }
  }

  @Test
  void failedChangeLeavesTheRingUntouched() {
    try (KeyRing ring = TestKeys.newRing()) {
      byte[] before = ring.serialize();
      assertCode(
          Code.WRONG_PASSPHRASE,
          () -> ring.changePassphrase("this is not it at all".toCharArray(), OTHER.toCharArray()));
      assertCode(
          Code.WEAK_PASSPHRASE,
          () -> ring.changePassphrase(PASSPHRASE.toCharArray(), "weak".toCharArray()));
      assertArrayEquals(before, ring.serialize());
    }
  }

  @Test
  void changePassphraseNeverLowersTheSlotCost() {
    try (KeyRing ring =
        KeyRing.create(PASSPHRASE.toCharArray(), KdfParams.insecureForTests(3000))) {
      ring.addSlot(PASSPHRASE.toCharArray(), OTHER.toCharArray(), FAST);
      try (KeyRing viaCheapSlot = KeyRing.unlock(ring.serialize(), OTHER.toCharArray())) {
        viaCheapSlot.changePassphrase(
            PASSPHRASE.toCharArray(), "a brand new passphrase".toCharArray());
        KeyRingCodec.Contents c = KeyRingCodec.decode(viaCheapSlot.serialize());
        assertEquals(3000, c.slots.get(0).iterations);
        assertEquals(1000, c.slots.get(1).iterations);
      }
    }
  }

  @Test
  void removeSlotKeepsAtLeastOne() {
    try (KeyRing ring = TestKeys.newRing()) {
      assertCode(Code.INVALID_ARGUMENT, () -> ring.removeSlot(PASSPHRASE.toCharArray()));
      ring.addSlot(PASSPHRASE.toCharArray(), OTHER.toCharArray());
      ring.removeSlot(PASSPHRASE.toCharArray());
      byte[] serialized = ring.serialize();
      assertCode(Code.WRONG_PASSPHRASE, () -> KeyRing.unlock(serialized, PASSPHRASE.toCharArray()));
      KeyRing.unlock(serialized, OTHER.toCharArray()).close();
    }
  }

  @Test
  void rotationAddsAKeyAndKeepsOldOnesReadable() {
    byte[] data = pattern(500, 4);
    byte[] salt = new byte[32];
    try (KeyRing ring = TestKeys.newRing()) {
      byte[] underOne = ring.packCipher(1, PACK, salt).encryptRecord(0, data, 0, data.length);
      assertEquals(2, ring.rotateDataKey());
      assertEquals(2, ring.currentDataKeyId());
      assertEquals(2, ring.newPackCipher(PACK).keyId());
      byte[] underTwo = ring.packCipher(2, PACK, salt).encryptRecord(0, data, 0, data.length);
      assertFalse(Arrays.equals(underOne, underTwo));
      assertEquals(3, ring.rotateDataKey());
      try (KeyRing again = KeyRing.unlock(ring.serialize(), PASSPHRASE.toCharArray())) {
        assertEquals(3, again.currentDataKeyId());
        assertArrayEquals(
            data, again.packCipher(1, PACK, salt).decryptRecord(0, underOne, 0, underOne.length));
        assertArrayEquals(
            data, again.packCipher(2, PACK, salt).decryptRecord(0, underTwo, 0, underTwo.length));
        assertCode(Code.UNKNOWN_KEY_ID, () -> again.packCipher(4, PACK, salt));
      }
    }
  }

  @Test
  void truncationAtEveryLengthIsCorrupt() {
    try (KeyRing ring = TestKeys.newRing()) {
      byte[] s = ring.serialize();
      for (int len = 0; len < s.length; len++) {
        byte[] cut = Arrays.copyOf(s, len);
        assertCode(Code.CORRUPT, () -> KeyRing.unlock(cut, PASSPHRASE.toCharArray()));
      }
      byte[] longer = Arrays.copyOf(s, s.length + 1);
      assertCode(Code.CORRUPT, () -> KeyRing.unlock(longer, PASSPHRASE.toCharArray()));
    }
  }

  @Test
  void accidentalBitFlipsAnywhereAreReportedAsDamageNotAsAWrongPassphrase() {
    try (KeyRing ring = TestKeys.newRing()) {
      byte[] s = ring.serialize();
      for (int bit = 0; bit < s.length * 8; bit++) {
        byte[] bad = s.clone();
        bad[bit / 8] ^= (byte) (1 << (bit % 8));
        Code expected = bit / 8 == 4 ? Code.UNSUPPORTED_VERSION : Code.CORRUPT;
        assertCode(expected, () -> KeyRing.unlock(bad, PASSPHRASE.toCharArray()));
      }
    }
  }

  @Test
  void alteredSlotsWithAFixedChecksumDoNotOpen() {
    try (KeyRing ring = TestKeys.newRing()) {
      byte[] s = ring.serialize();
      for (int off :
          new int[] {
            SLOT_ITERATIONS + 3, SLOT_SALT, SLOT_SALT + 15, SLOT_WRAPPED, SLOT_WRAPPED + 47
          }) {
        byte[] bad = s.clone();
        bad[SLOTS + off] ^= 1;
        assertCode(
            Code.WRONG_PASSPHRASE,
            () -> KeyRing.unlock(withChecksumFixed(bad), PASSPHRASE.toCharArray()));
      }
    }
  }

  @Test
  void alteredKeysOrStructureWithAFixedChecksumFailAuthentication() {
    try (KeyRing ring = TestKeys.newRing()) {
      ring.rotateDataKey();
      byte[] s = ring.serialize();
      int dataKeys = dataKeysOffset(1);
      int[] offsets = {
        dataKeys - 6 + 3, // current key id 2 -> 3: not in the ring
        dataKeys + 4, // first wrapped data key
        dataKeys + 52 + 4 + 47, // second wrapped data key
        dataKeys + 2 * 52, // chunk-ID key
        dataKeys + 2 * 52 + 48 + 10, // metadata key
        s.length - 64, // the MAC itself
      };
      for (int off : offsets) {
        byte[] bad = s.clone();
        bad[off] ^= 1;
        assertCode(
            Code.CORRUPT, () -> KeyRing.unlock(withChecksumFixed(bad), PASSPHRASE.toCharArray()));
      }
      // Current key id 2 -> 1: structurally valid, so only the MAC can tell.
      byte[] rolledBack = s.clone();
      rolledBack[dataKeys - 6 + 3] = 1;
      assertCode(
          Code.CORRUPT,
          () -> KeyRing.unlock(withChecksumFixed(rolledBack), PASSPHRASE.toCharArray()));
    }
  }

  @Test
  void slotsCannotBeTransplantedBetweenRings() {
    try (KeyRing a = TestKeys.newRing();
        KeyRing b = TestKeys.newRing()) {
      byte[] sa = a.serialize();
      byte[] sb = b.serialize();
      byte[] spliced = sb.clone();
      System.arraycopy(sa, SLOTS, spliced, SLOTS, KeyRingCodec.SLOT_LENGTH);
      // The slot opens (it is ring A's), but ring B's body is not authenticated by A's ring key.
      assertCode(
          Code.CORRUPT, () -> KeyRing.unlock(withChecksumFixed(spliced), PASSPHRASE.toCharArray()));
    }
  }

  @Test
  void unknownVersionIsReportedBeforeAnythingElse() {
    try (KeyRing ring = TestKeys.newRing()) {
      byte[] s = ring.serialize();
      for (int v : new int[] {0, 2, 255}) {
        byte[] other = s.clone();
        other[4] = (byte) v;
        CryptoException e =
            assertThrows(
                CryptoException.class,
                () -> KeyRing.unlock(withChecksumFixed(other), OTHER.toCharArray()));
        assertEquals(Code.UNSUPPORTED_VERSION, e.code());
        assertTrue(e.getMessage().contains("version " + v));
      }
      byte[] notARing = s.clone();
      notARing[0] = 'X';
      assertCode(Code.CORRUPT, () -> KeyRing.unlock(notARing, PASSPHRASE.toCharArray()));
    }
  }

  @Test
  void wrappedPayloadBindsVersionKindAndId() {
    byte[] key = pattern(32, 8);
    byte[] p = KeyRingCodec.payload(KeyRingCodec.Kind.DATA, 5, key);
    assertArrayEquals(key, KeyRingCodec.keyFromPayload(p, KeyRingCodec.Kind.DATA, 5));
    assertNull(KeyRingCodec.keyFromPayload(p, KeyRingCodec.Kind.DATA, 6));
    assertNull(KeyRingCodec.keyFromPayload(p, KeyRingCodec.Kind.CHUNK_ID, 5));
    byte[] otherVersion = p.clone();
    otherVersion[0] = 2;
    assertNull(KeyRingCodec.keyFromPayload(otherVersion, KeyRingCodec.Kind.DATA, 5));
    assertNull(KeyRingCodec.keyFromPayload(Arrays.copyOf(p, 37), KeyRingCodec.Kind.DATA, 5));
  }

  @Test
  void closeZeroesEveryKeyAndStopsEverything() {
    KeyRing ring = TestKeys.newRing();
    ChunkIdHasher hasher = ring.chunkIdHasher();
    MetadataCipher meta = ring.metadataCipher();
    PackCipher pack = ring.packCipher(1, PACK, new byte[32]);
    byte[] sealedMeta = meta.encrypt(new byte[10], "c");
    hasher.hash(new byte[10], 0, 10);
    assertFalse(ring.isWiped());

    ring.close();
    assertTrue(ring.isClosed());
    assertTrue(ring.isWiped());
    assertEquals("KeyRing[closed]", ring.toString());
    assertCode(Code.CLOSED, ring::serialize);
    assertCode(Code.CLOSED, ring::rotateDataKey);
    assertCode(Code.CLOSED, ring::chunkIdHasher);
    assertCode(Code.CLOSED, () -> ring.packCipher(1, PACK, new byte[32]));
    assertCode(Code.CLOSED, () -> ring.addSlot(PASSPHRASE.toCharArray(), OTHER.toCharArray()));
    assertCode(Code.CLOSED, () -> hasher.hash(new byte[10], 0, 10));
    assertCode(Code.CLOSED, () -> meta.decrypt(sealedMeta, "c"));
    assertCode(Code.CLOSED, () -> pack.encryptRecord(0, new byte[10], 0, 10));
    ring.close();
  }

  @Test
  void hasherAndMetadataCipherAreShared() {
    try (KeyRing ring = TestKeys.newRing()) {
      assertSame(ring.chunkIdHasher(), ring.chunkIdHasher());
      assertSame(ring.metadataCipher(), ring.metadataCipher());
      assertNotNull(ring.newPackSalt());
    }
  }

  @Test
  void isFormOfKnowsItsOwnGenerationsAndNoOtherRing() {
    try (KeyRing ring = TestKeys.newRing(); KeyRing other = TestKeys.newRing()) {
      byte[] first = ring.serialize();
      ring.changePassphrase(PASSPHRASE.toCharArray(), OTHER.toCharArray());
      ring.rotateDataKey();
      assertFalse(Arrays.equals(first, ring.serialize()));
      assertTrue(ring.isFormOf(first), "an older generation of this ring");
      assertTrue(ring.isFormOf(ring.serialize()));
      // Another ring, even under the same passphrase, is not this one.
      assertFalse(ring.isFormOf(other.serialize()));
      assertFalse(other.isFormOf(first));
      byte[] altered = first.clone();
      altered[dataKeysOffset(1) + 3] ^= 1;
      assertFalse(ring.isFormOf(withChecksumFixed(altered)), "an altered copy");
      assertFalse(ring.isFormOf(new byte[] {1, 2, 3}), "not a key ring at all");
    }
  }
}
