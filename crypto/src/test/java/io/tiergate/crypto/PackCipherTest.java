package io.tiergate.crypto;

import static io.tiergate.crypto.TestKeys.hex;
import static io.tiergate.crypto.TestKeys.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.crypto.CryptoException.Code;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PackCipherTest {
  private static final byte[] PACK_A = hex("a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
  private static final byte[] PACK_B = hex("b0b1b2b3b4b5b6b7b8b9babbbcbdbebf");
  private static KeyRing ring;
  private static byte[] salt;

  @BeforeAll
  static void createRing() {
    ring = TestKeys.newRing();
    salt = ring.newPackSalt();
  }

  @AfterAll
  static void closeRing() {
    ring.close();
  }

  /** A pack being written: fresh salt, as in production. */
  private static PackCipher pack(byte[] packId) {
    return ring.packCipher(ring.currentDataKeyId(), packId, ring.newPackSalt());
  }

  /** A reader of the pack {@code p} writes, as the cloud tier would build it from the header. */
  private static PackCipher reader(PackCipher p) {
    return ring.packCipher(p.keyId(), p.packId(), p.packSalt());
  }

  /** The pack with the shared fixed salt. */
  private static PackCipher fixedSalt(byte[] packId) {
    return ring.packCipher(ring.currentDataKeyId(), packId, salt);
  }

  private static void assertCode(Code code, Executable e) {
    assertEquals(code, assertThrows(CryptoException.class, e).code());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 15, 16, 17, 4096, 65536, 1 << 20})
  void roundTripsEverySize(int size) {
    byte[] plain = pattern(size + 10, size);
    PackCipher p = pack(PACK_A);
    byte[] sealed = p.encryptRecord(5, plain, 7, size);
    assertEquals(size + PackCipher.RECORD_OVERHEAD, sealed.length);
    assertEquals(PackCipher.sealedLength(size), sealed.length);
    assertEquals(1, sealed[0]);
    byte[] framed = new byte[sealed.length + 9];
    System.arraycopy(sealed, 0, framed, 4, sealed.length);
    assertArrayEquals(
        Arrays.copyOfRange(plain, 7, 7 + size), p.decryptRecord(5, framed, 4, sealed.length));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void byteBufferFormsInteroperateWithTheArrayForms(boolean direct) {
    byte[] plain = pattern(65536, 3);
    PackCipher p = pack(PACK_A);
    byte[] viaArray = p.encryptRecord(9, plain, 0, plain.length);

    ByteBuffer in =
        direct ? ByteBuffer.allocateDirect(plain.length) : ByteBuffer.allocate(plain.length);
    in.put(plain).flip();
    int cap = plain.length + 100;
    ByteBuffer out = direct ? ByteBuffer.allocateDirect(cap) : ByteBuffer.allocate(cap);
    out.position(3);
    int n = p.encryptRecord(10, in, out);
    assertEquals(viaArray.length, n);
    assertEquals(3 + n, out.position());
    assertFalse(in.hasRemaining());
    byte[] viaBuffer = new byte[n];
    out.flip().position(3);
    out.duplicate().get(viaBuffer);

    PackCipher r = reader(p);
    assertArrayEquals(plain, r.decryptRecord(10, viaBuffer, 0, n));
    ByteBuffer back =
        direct ? ByteBuffer.allocateDirect(plain.length) : ByteBuffer.allocate(plain.length);
    assertEquals(plain.length, r.decryptRecord(9, ByteBuffer.wrap(viaArray), back));
    assertFalse(back.hasRemaining());
    byte[] opened = new byte[plain.length];
    back.flip().get(opened);
    assertArrayEquals(plain, opened);
  }

  @Test
  void nonceIsTheRecordIndexAsA96BitBigEndianCounter() {
    assertArrayEquals(new byte[12], PackCipher.nonce(0));
    assertArrayEquals(hex("000000000000000000000001"), PackCipher.nonce(1));
    assertArrayEquals(hex("0000000000000000ffffffff"), PackCipher.nonce(0xffffffffL));
    // The index past 32 bits must carry, not wrap: a 32-bit counter would repeat nonce 0 here.
    assertArrayEquals(hex("000000000000000100000000"), PackCipher.nonce(1L << 32));
    assertArrayEquals(hex("000000007fffffffffffffff"), PackCipher.nonce(Long.MAX_VALUE));
  }

  @Test
  void indicesThatWouldWrapA32BitCounterGiveDistinctRecords() {
    byte[] plain = pattern(64, 1);
    PackCipher p = pack(PACK_A);
    byte[] at0 = p.encryptRecord(0, plain, 0, plain.length);
    byte[] at2pow32 = p.encryptRecord(1L << 32, plain, 0, plain.length);
    assertFalse(Arrays.equals(at0, at2pow32));
    assertCode(Code.AUTHENTICATION_FAILED, () -> p.decryptRecord(1L << 32, at0, 0, at0.length));
    assertCode(Code.AUTHENTICATION_FAILED, () -> p.decryptRecord(0, at2pow32, 0, at2pow32.length));
  }

  @Test
  void largestIndexWorksAndNothingAfterIt() {
    byte[] plain = pattern(10, 2);
    PackCipher p = pack(PACK_A);
    byte[] last = p.encryptRecord(PackCipher.MAX_RECORD_INDEX, plain, 0, plain.length);
    assertArrayEquals(plain, p.decryptRecord(Long.MAX_VALUE, last, 0, last.length));
    assertCode(
        Code.RECORD_INDEX_OUT_OF_RANGE,
        () -> p.encryptRecord(PackCipher.MAX_RECORD_INDEX, plain, 0, plain.length));
  }

  @Test
  void negativeIndicesAreRefused() {
    byte[] plain = pattern(10, 2);
    PackCipher p = pack(PACK_A);
    byte[] ok = p.encryptRecord(0, plain, 0, plain.length);
    for (long bad : new long[] {-1, Long.MIN_VALUE, Integer.MIN_VALUE}) {
      assertCode(Code.RECORD_INDEX_OUT_OF_RANGE, () -> p.encryptRecord(bad, plain, 0, 10));
      assertCode(Code.RECORD_INDEX_OUT_OF_RANGE, () -> p.decryptRecord(bad, ok, 0, ok.length));
      assertCode(
          Code.RECORD_INDEX_OUT_OF_RANGE,
          () -> p.decryptRecord(bad, ByteBuffer.wrap(ok), ByteBuffer.allocate(10)));
    }
  }

  @Test
  void sealingNeverReusesAnIndex() {
    byte[] plain = pattern(10, 2);
    PackCipher p = pack(PACK_A);
    p.encryptRecord(0, plain, 0, plain.length);
    p.encryptRecord(1, plain, 0, plain.length);
    p.encryptRecord(10, plain, 0, plain.length);
    assertCode(Code.RECORD_INDEX_OUT_OF_RANGE, () -> p.encryptRecord(10, plain, 0, 10));
    assertCode(Code.RECORD_INDEX_OUT_OF_RANGE, () -> p.encryptRecord(4, plain, 0, 10));
    assertCode(
        Code.RECORD_INDEX_OUT_OF_RANGE,
        () -> p.encryptRecord(1, ByteBuffer.wrap(plain), ByteBuffer.allocate(100)));
    p.encryptRecord(11, plain, 0, plain.length);
  }

  @Test
  void everySingleBitFlipIsDetected() {
    byte[] plain = pattern(40, 9);
    PackCipher p = pack(PACK_A);
    byte[] sealed = p.encryptRecord(2, plain, 0, plain.length);
    for (int bit = 0; bit < sealed.length * 8; bit++) {
      byte[] bad = sealed.clone();
      bad[bit / 8] ^= (byte) (1 << (bit % 8));
      // The version byte is checked first; any other flip hits the tag.
      Code expected = bit < 8 ? Code.UNSUPPORTED_VERSION : Code.AUTHENTICATION_FAILED;
      assertCode(expected, () -> p.decryptRecord(2, bad, 0, bad.length));
    }
  }

  @Test
  void truncationIsDetectedAtEveryLength() {
    byte[] plain = pattern(40, 9);
    PackCipher p = pack(PACK_A);
    byte[] sealed = p.encryptRecord(2, plain, 0, plain.length);
    for (int len = 0; len < sealed.length; len++) {
      Code expected = len < PackCipher.RECORD_OVERHEAD ? Code.CORRUPT : Code.AUTHENTICATION_FAILED;
      int n = len;
      assertCode(expected, () -> p.decryptRecord(2, sealed, 0, n));
    }
    byte[] longer = Arrays.copyOf(sealed, sealed.length + 1);
    assertCode(Code.AUTHENTICATION_FAILED, () -> p.decryptRecord(2, longer, 0, longer.length));
  }

  @Test
  void recordsCannotBeMovedToAnotherIndexPackSaltOrKey() {
    byte[] plain = pattern(100, 4);
    byte[] sealed = fixedSalt(PACK_A).encryptRecord(3, plain, 0, plain.length);
    int keyId = ring.currentDataKeyId();

    assertCode(
        Code.AUTHENTICATION_FAILED,
        () -> fixedSalt(PACK_A).decryptRecord(4, sealed, 0, sealed.length));
    assertCode(
        Code.AUTHENTICATION_FAILED,
        () -> fixedSalt(PACK_B).decryptRecord(3, sealed, 0, sealed.length));
    PackCipher otherSalt = ring.packCipher(keyId, PACK_A, ring.newPackSalt());
    assertCode(
        Code.AUTHENTICATION_FAILED, () -> otherSalt.decryptRecord(3, sealed, 0, sealed.length));

    try (KeyRing other = TestKeys.newRing()) {
      PackCipher otherRing = other.packCipher(keyId, PACK_A, salt);
      assertCode(
          Code.AUTHENTICATION_FAILED, () -> otherRing.decryptRecord(3, sealed, 0, sealed.length));
    }
    assertArrayEquals(plain, fixedSalt(PACK_A).decryptRecord(3, sealed, 0, sealed.length));
  }

  @Test
  void aSecondSealerOfTheSamePackIsCaughtWhenItRepeatsTheLastNonce() {
    PackCipher p = pack(PACK_A);
    p.encryptRecord(0, pattern(10, 1), 0, 10);
    PackCipher twin = reader(p);
    assertCode(Code.RECORD_INDEX_OUT_OF_RANGE, () -> twin.encryptRecord(0, pattern(10, 2), 0, 10));
  }

  @Test
  void keyIdIsBoundEvenUnderTheSameDataKey() {
    // Same data key bytes, different key id label: HKDF info and AAD both differ.
    byte[] dataKey = pattern(32, 77);
    KeyRing.Liveness live = new KeyRing.Liveness();
    byte[] plain = pattern(50, 5);
    byte[] sealed = new PackCipher(live, dataKey, 1, PACK_A, salt).encryptRecord(0, plain, 0, 50);
    PackCipher relabelled = new PackCipher(live, dataKey, 2, PACK_A, salt);
    assertCode(
        Code.AUTHENTICATION_FAILED, () -> relabelled.decryptRecord(0, sealed, 0, sealed.length));
    assertArrayEquals(
        plain,
        new PackCipher(live, dataKey, 1, PACK_A, salt).decryptRecord(0, sealed, 0, sealed.length));
  }

  @Test
  void unknownRecordVersionIsReportedAsSuch() {
    PackCipher p = pack(PACK_A);
    byte[] sealed = p.encryptRecord(0, pattern(20, 1), 0, 20);
    sealed[0] = 2;
    assertCode(Code.UNSUPPORTED_VERSION, () -> p.decryptRecord(0, sealed, 0, sealed.length));
    sealed[0] = 0;
    assertCode(Code.UNSUPPORTED_VERSION, () -> p.decryptRecord(0, sealed, 0, sealed.length));
  }

  @Test
  void failedBufferOpenLeavesPositionsAndNoPlaintext() {
    byte[] plain = pattern(4096, 6);
    PackCipher p = pack(PACK_A);
    byte[] sealed = p.encryptRecord(1, plain, 0, plain.length);
    sealed[100] ^= 1;
    ByteBuffer in = ByteBuffer.wrap(sealed);
    ByteBuffer out = ByteBuffer.allocate(plain.length + 8);
    out.position(8);
    assertCode(Code.AUTHENTICATION_FAILED, () -> reader(p).decryptRecord(1, in, out));
    assertEquals(0, in.position());
    assertEquals(8, out.position());
    assertArrayEquals(new byte[plain.length + 8], out.array());
  }

  @Test
  void badArgumentsAreRefusedClearly() {
    int keyId = ring.currentDataKeyId();
    assertCode(Code.UNKNOWN_KEY_ID, () -> ring.packCipher(keyId + 1, PACK_A, salt));
    assertCode(Code.INVALID_ARGUMENT, () -> ring.packCipher(keyId, new byte[0], salt));
    assertCode(Code.INVALID_ARGUMENT, () -> ring.packCipher(keyId, new byte[65], salt));
    assertCode(Code.INVALID_ARGUMENT, () -> ring.packCipher(keyId, PACK_A, new byte[31]));
    assertCode(
        Code.INVALID_ARGUMENT,
        () -> pack(PACK_A).encryptRecord(0, ByteBuffer.allocate(10), ByteBuffer.allocate(26)));
    assertThrows(
        IndexOutOfBoundsException.class, () -> pack(PACK_A).encryptRecord(0, new byte[4], 2, 3));
  }

  @Test
  void newPackCipherUsesTheCurrentKeyAndAFreshSalt() {
    PackCipher a = ring.newPackCipher(PACK_A);
    PackCipher b = ring.newPackCipher(PACK_A);
    assertEquals(ring.currentDataKeyId(), a.keyId());
    assertArrayEquals(PACK_A, a.packId());
    assertEquals(PackCipher.PACK_SALT_LENGTH, a.packSalt().length);
    assertFalse(Arrays.equals(a.packSalt(), b.packSalt()));
    byte[] sealed = a.encryptRecord(0, pattern(30, 1), 0, 30);
    PackCipher reader = ring.packCipher(a.keyId(), a.packId(), a.packSalt());
    assertArrayEquals(pattern(30, 1), reader.decryptRecord(0, sealed, 0, sealed.length));
  }

  @Test
  void closingWipesThePackKeyAndStopsIt() {
    PackCipher p = pack(PACK_A);
    byte[] sealed = p.encryptRecord(0, pattern(30, 1), 0, 30);
    p.close();
    assertTrue(p.isKeyWiped());
    assertCode(Code.CLOSED, () -> p.decryptRecord(0, sealed, 0, sealed.length));
    assertCode(Code.CLOSED, () -> p.encryptRecord(1, pattern(30, 1), 0, 30));
    p.close();
  }

  @Test
  void openingIsSafeFromManyThreads() throws Exception {
    PackCipher p = pack(PACK_A);
    PackCipher r = reader(p);
    List<byte[]> sealed = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      sealed.add(p.encryptRecord(i, pattern(8192, i), 0, 8192));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        results.add(
            pool.submit(
                () -> {
                  for (int round = 0; round < 20; round++) {
                    for (int i = 0; i < 64; i++) {
                      byte[] s = sealed.get(i);
                      if (!Arrays.equals(pattern(8192, i), r.decryptRecord(i, s, 0, s.length))) {
                        return false;
                      }
                    }
                  }
                  return true;
                }));
      }
      for (Future<Boolean> f : results) {
        assertTrue(f.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
