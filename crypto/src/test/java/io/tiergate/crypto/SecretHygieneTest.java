package io.tiergate.crypto;

import static io.tiergate.crypto.TestKeys.OTHER;
import static io.tiergate.crypto.TestKeys.PASSPHRASE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * No key, passphrase or plaintext in any toString or exception message. Every secret is checked in
 * every encoding a careless message might use: raw text, hex (both cases), Base64, and any 8-byte
 * window of it in hex, so a partial leak is caught too.
 */
class SecretHygieneTest {
  private static final byte[] PLAIN =
      "customer data: quarterly numbers".getBytes(StandardCharsets.UTF_8);

  private static List<String> forbidden(byte[]... secrets) {
    List<String> out = new ArrayList<>();
    for (byte[] s : secrets) {
      String hex = HexFormat.of().formatHex(s);
      out.add(hex);
      out.add(hex.toUpperCase(Locale.ROOT));
      out.add(Base64.getEncoder().encodeToString(s));
      for (int i = 0; i + 8 <= s.length; i++) {
        out.add(HexFormat.of().formatHex(s, i, i + 8));
      }
    }
    return out;
  }

  private static void assertClean(String text, List<String> forbidden) {
    String lower = text.toLowerCase(Locale.ROOT);
    for (String f : forbidden) {
      assertFalse(
          text.contains(f) || lower.contains(f.toLowerCase(Locale.ROOT)),
          () -> "secret material in: " + text);
    }
    assertFalse(text.contains(PASSPHRASE), text);
    assertFalse(text.contains(OTHER), text);
    assertFalse(text.contains(new String(PLAIN, StandardCharsets.UTF_8)), text);
  }

  private static String failureText(Executable e) {
    CryptoException ex = assertThrows(CryptoException.class, e);
    StringBuilder sb = new StringBuilder(ex.toString());
    for (Throwable t = ex.getCause(); t != null; t = t.getCause()) {
      sb.append(" | ").append(t);
    }
    return sb.toString();
  }

  @Test
  void nothingSecretInStringsOrErrors() {
    KeyRing ring = TestKeys.newRing();
    List<String> texts = new ArrayList<>();
    byte[] packId = new byte[16];
    PackCipher pack = ring.packCipher(1, packId, new byte[32]);
    byte[] sealed = pack.encryptRecord(0, PLAIN, 0, PLAIN.length);
    byte[] meta = ring.metadataCipher().encrypt(PLAIN, "catalogue");
    byte[] serialized = ring.serialize();

    texts.add(ring.toString());
    texts.add(pack.toString());
    texts.add(ring.chunkIdHasher().toString());
    texts.add(ring.metadataCipher().toString());
    texts.add(KdfParams.defaults().toString());
    texts.add(PassphrasePolicy.standard().toString());
    texts.add(failureText(() -> KeyRing.unlock(serialized, OTHER.toCharArray())));
    texts.add(failureText(() -> KeyRing.create("short pass".toCharArray(), TestKeys.FAST)));
    texts.add(
        failureText(() -> ring.changePassphrase(OTHER.toCharArray(), PASSPHRASE.toCharArray())));
    byte[] bad = sealed.clone();
    bad[5] ^= 1;
    texts.add(failureText(() -> pack.decryptRecord(0, bad, 0, bad.length)));
    texts.add(failureText(() -> pack.decryptRecord(1, sealed, 0, sealed.length)));
    texts.add(failureText(() -> ring.metadataCipher().decrypt(meta, "other")));
    texts.add(failureText(() -> ring.packCipher(9, packId, new byte[32])));
    byte[] damaged = serialized.clone();
    damaged[40] ^= 1;
    texts.add(failureText(() -> KeyRing.unlock(damaged, PASSPHRASE.toCharArray())));

    List<byte[]> keys = new ArrayList<>();
    keys.add(PLAIN);
    keys.add(PASSPHRASE.getBytes(StandardCharsets.UTF_8));
    byte[] all = KeyRingSecrets.allKeys(ring);
    for (int i = 0; i < all.length; i += 32) {
      keys.add(java.util.Arrays.copyOfRange(all, i, i + 32));
    }
    keys.add(PackCipher.derivePackKey(KeyRingSecrets.dataKey(ring, 1), 1, packId, new byte[32]));
    List<String> forbidden = forbidden(keys.toArray(new byte[0][]));
    for (String t : texts) {
      assertClean(t, forbidden);
    }
    ring.close();
    assertEquals("KeyRing[closed]", ring.toString());
  }
}
