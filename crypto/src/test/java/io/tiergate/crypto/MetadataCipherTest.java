package io.tiergate.crypto;

import static io.tiergate.crypto.TestKeys.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tiergate.crypto.CryptoException.Code;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class MetadataCipherTest {
  private final MetadataCipher cipher = new MetadataCipher(new KeyRing.Liveness(), pattern(32, 5));

  private static void assertCode(Code code, Executable e) {
    assertEquals(code, assertThrows(CryptoException.class, e).code());
  }

  @Test
  void roundTripsWithAFreshNonceEachTime() {
    byte[] plain = pattern(1000, 1);
    byte[] a = cipher.encrypt(plain, "catalogue");
    byte[] b = cipher.encrypt(plain, "catalogue");
    assertEquals(plain.length + MetadataCipher.OVERHEAD, a.length);
    assertFalse(Arrays.equals(Arrays.copyOfRange(a, 1, 13), Arrays.copyOfRange(b, 1, 13)));
    assertArrayEquals(plain, cipher.decrypt(a, "catalogue"));
    assertArrayEquals(plain, cipher.decrypt(b, "catalogue"));
    assertArrayEquals(new byte[0], cipher.decrypt(cipher.encrypt(new byte[0], "x"), "x"));
  }

  @Test
  void contextIsBound() {
    byte[] sealed = cipher.encrypt(pattern(100, 2), "snapshot/1");
    assertCode(Code.AUTHENTICATION_FAILED, () -> cipher.decrypt(sealed, "snapshot/2"));
    assertCode(Code.INVALID_ARGUMENT, () -> cipher.decrypt(sealed, ""));
  }

  @Test
  void tamperingAndTruncationAreDetected() {
    byte[] sealed = cipher.encrypt(pattern(50, 3), "journal");
    for (int bit = 8; bit < sealed.length * 8; bit++) {
      byte[] bad = sealed.clone();
      bad[bit / 8] ^= (byte) (1 << (bit % 8));
      assertCode(Code.AUTHENTICATION_FAILED, () -> cipher.decrypt(bad, "journal"));
    }
    for (int len = 0; len < sealed.length; len++) {
      byte[] cut = Arrays.copyOf(sealed, len);
      Code expected = len < MetadataCipher.OVERHEAD ? Code.CORRUPT : Code.AUTHENTICATION_FAILED;
      assertCode(expected, () -> cipher.decrypt(cut, "journal"));
    }
  }

  @Test
  void otherKeyFails() {
    byte[] sealed = cipher.encrypt(pattern(50, 3), "journal");
    MetadataCipher other = new MetadataCipher(new KeyRing.Liveness(), pattern(32, 6));
    assertCode(Code.AUTHENTICATION_FAILED, () -> other.decrypt(sealed, "journal"));
  }

  @Test
  void unknownVersionIsReportedAsSuch() {
    byte[] sealed = cipher.encrypt(pattern(50, 3), "journal");
    sealed[0] = 2;
    assertCode(Code.UNSUPPORTED_VERSION, () -> cipher.decrypt(sealed, "journal"));
  }
}
