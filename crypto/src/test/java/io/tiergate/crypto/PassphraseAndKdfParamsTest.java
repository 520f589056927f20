package io.tiergate.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.crypto.CryptoException.Code;
import org.junit.jupiter.api.Test;

class PassphraseAndKdfParamsTest {
  private static CryptoException weak(PassphrasePolicy p, String s) {
    CryptoException e =
        assertThrows(CryptoException.class, () -> p.check(s == null ? null : s.toCharArray()));
    assertEquals(Code.WEAK_PASSPHRASE, e.code());
    return e;
  }

  @Test
  void standardPolicyWantsTwelveCharacters() {
    PassphrasePolicy p = PassphrasePolicy.standard();
    assertEquals(12, p.minLength());
    p.check("abcdefghijkl".toCharArray());
    CryptoException e = weak(p, "abcdefghijk");
    assertTrue(e.getMessage().contains("at least 12 characters"), e.getMessage());
    weak(p, "");
    weak(p, null);
    weak(p, "            ");
    weak(p, "x".repeat(PassphrasePolicy.MAX_LENGTH + 1));
  }

  @Test
  void lengthCountsCharactersNotUtf16Units() {
    // Six emoji are twelve UTF-16 units but only six characters.
    weak(PassphrasePolicy.standard(), "🔑🔑🔑🔑🔑🔑");
    PassphrasePolicy.standard().check("🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑🔑".toCharArray());
  }

  @Test
  void strictPoliciesOnly() {
    assertEquals(16, PassphrasePolicy.withMinLength(16).minLength());
    weak(PassphrasePolicy.withMinLength(16), "fifteen chars!!");
    assertThrows(IllegalArgumentException.class, () -> PassphrasePolicy.withMinLength(8));
  }

  @Test
  void kdfCostHasAProductionFloorAndATestEscapeHatch() {
    assertEquals(600_000, KdfParams.defaults().iterations());
    assertEquals(1_000_000, KdfParams.withIterations(1_000_000).iterations());
    assertThrows(IllegalArgumentException.class, () -> KdfParams.withIterations(599_999));
    assertThrows(
        IllegalArgumentException.class,
        () -> KdfParams.withIterations(KdfParams.MAX_ITERATIONS + 1));
    assertEquals(10, KdfParams.insecureForTests(10).iterations());
    assertThrows(IllegalArgumentException.class, () -> KdfParams.insecureForTests(0));
    assertEquals(KdfParams.insecureForTests(10), KdfParams.insecureForTests(10));
  }
}
