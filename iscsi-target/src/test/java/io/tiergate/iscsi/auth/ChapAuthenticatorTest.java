package io.tiergate.iscsi.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ChapAuthenticatorTest {

  @Test
  void md5ResponseKnownAnswer() {
    // MD5(0x01 || "secret" || 00 01 02 ... 0f), computed independently with md5sum.
    byte[] challenge = new byte[16];
    for (int i = 0; i < 16; i++) {
      challenge[i] = (byte) i;
    }
    assertEquals("740e86463bda3a4d7017d6e0fba0699d",
        ChapAuthenticator.hex(ChapAuthenticator.md5(1, "secret".getBytes(
            StandardCharsets.UTF_8), challenge)));
  }

  @Test
  void decodesHexAndBase64AndRefusesGarbage() {
    assertArrayEquals(new byte[] {0x0a, (byte) 0xbc}, ChapAuthenticator.decode("0xabc"));
    assertArrayEquals(new byte[] {1, 2, 3}, ChapAuthenticator.decode("0bAQID"));
    assertNull(ChapAuthenticator.decode("abc"));
    assertNull(ChapAuthenticator.decode("0xzz"));
    assertNull(ChapAuthenticator.decode("0b!!"));
  }

  @Test
  void offersOnlyMd5AndOnlyOnce() {
    ChapAuthenticator chap = new ChapAuthenticator(ChapCredentials.of("u", "s1234567890"));
    assertEquals(ChapAuthenticator.Status.FAILED, chap.challenge("7").status());
    ChapAuthenticator again = new ChapAuthenticator(ChapCredentials.of("u", "s1234567890"));
    assertEquals(ChapAuthenticator.Status.OK, again.challenge("5").status());
    assertEquals(ChapAuthenticator.Status.FAILED, again.challenge("5").status());
  }

  @Test
  void responseIsUsableOnce() {
    ChapAuthenticator chap = new ChapAuthenticator(ChapCredentials.of("u", "s1234567890"));
    chap.challenge("5");
    assertEquals(ChapAuthenticator.Status.FAILED, chap.verify("u", "0x00", null, null).status());
    assertFalse(chap.challenged());
  }

  @Test
  void sameSecretBothWaysIsRefusedAndSecretsStayOutOfToString() {
    assertThrows(IllegalArgumentException.class,
        () -> ChapCredentials.mutual("a", "same-secret-1", "b", "same-secret-1"));
    String shown = ChapCredentials.mutual("a", "first-secret", "b", "second-secret").toString();
    assertFalse(shown.contains("first-secret"));
    assertFalse(shown.contains("second-secret"));
  }
}
