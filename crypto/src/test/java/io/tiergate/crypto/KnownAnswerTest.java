package io.tiergate.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.PBEParametersGenerator;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.PKCS5S2ParametersGenerator;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;

/**
 * Published test vectors for every primitive the module relies on, with hard-coded bytes, run
 * through the same code paths the module uses.
 */
class KnownAnswerTest {
  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s.replace(" ", ""));
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  // PBKDF2-HMAC-SHA-256: the widely cross-checked vectors for the RFC 6070 inputs.

  @Test
  void pbkdf2OneIteration() {
    assertArrayEquals(
        hex("120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"),
        Kdf.pbkdf2("password".toCharArray(), ascii("salt"), 1, 32));
  }

  @Test
  void pbkdf2TwoIterations() {
    assertArrayEquals(
        hex("ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43"),
        Kdf.pbkdf2("password".toCharArray(), ascii("salt"), 2, 32));
  }

  @Test
  void pbkdf2Iterations4096() {
    assertArrayEquals(
        hex("c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"),
        Kdf.pbkdf2("password".toCharArray(), ascii("salt"), 4096, 32));
  }

  @Test
  void pbkdf2LongInputsAndOutputBeyondOneBlock() {
    assertArrayEquals(
        hex("348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1c635518c7dac47e9"),
        Kdf.pbkdf2(
            "passwordPASSWORDpassword".toCharArray(),
            ascii("saltSALTsaltSALTsaltSALTsaltSALTsalt"),
            4096,
            40));
  }

  @Test
  void pbkdf2EmbeddedNul() {
    assertArrayEquals(
        hex("89b69d0516f829893c696226650a8687"),
        Kdf.pbkdf2("pass\0word".toCharArray(), ascii("sa\0lt"), 4096, 16));
  }

  /**
   * Slots written by one provider must open with another: the JDK and Bouncy Castle must agree on
   * how a non-ASCII passphrase becomes bytes (UTF-8).
   */
  @Test
  void pbkdf2EncodesPassphraseAsUtf8LikeBouncyCastle() {
    char[] passphrase = "Grüße aus Zürich, 東京 🔑".toCharArray();
    byte[] salt = hex("000102030405060708090a0b0c0d0e0f");
    PKCS5S2ParametersGenerator bc = new PKCS5S2ParametersGenerator(new SHA256Digest());
    bc.init(PBEParametersGenerator.PKCS5PasswordToUTF8Bytes(passphrase), salt, 1000);
    byte[] expected = ((KeyParameter) bc.generateDerivedParameters(256)).getKey();
    assertArrayEquals(expected, Kdf.pbkdf2(passphrase, salt, 1000, 32));
  }

  // RFC 5649 section 6.

  private static final byte[] RFC5649_KEK = hex("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8");

  @Test
  void rfc5649TwentyOctetKey() {
    byte[] key = hex("c37b7e6492584340bed12207808941155068f738");
    byte[] wrapped = hex("138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a");
    assertArrayEquals(wrapped, KeyWrap.wrap(RFC5649_KEK, key));
    assertArrayEquals(key, KeyWrap.unwrapOrNull(RFC5649_KEK, wrapped));
  }

  @Test
  void rfc5649SevenOctetKey() {
    byte[] key = hex("466f7250617369");
    byte[] wrapped = hex("afbeb0f07dfbf5419200f2ccb50bb24f");
    assertArrayEquals(wrapped, KeyWrap.wrap(RFC5649_KEK, key));
    assertArrayEquals(key, KeyWrap.unwrapOrNull(RFC5649_KEK, wrapped));
  }

  @Test
  void rfc5649RejectsAlteredWrapAndWrongKek() {
    byte[] wrapped = hex("138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a");
    wrapped[5] ^= 1;
    assertNull(KeyWrap.unwrapOrNull(RFC5649_KEK, wrapped));
    byte[] otherKek = RFC5649_KEK.clone();
    otherKek[0] ^= 1;
    assertNull(KeyWrap.unwrapOrNull(otherKek, hex("afbeb0f07dfbf5419200f2ccb50bb24f")));
  }

  // RFC 5869 appendix A.

  @Test
  void hkdfRfc5869Case1() {
    assertArrayEquals(
        hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"),
        Kdf.hkdf(
            hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"),
            hex("000102030405060708090a0b0c"),
            hex("f0f1f2f3f4f5f6f7f8f9"),
            42));
  }

  @Test
  void hkdfRfc5869Case3NoSaltNoInfo() {
    assertArrayEquals(
        hex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"),
        Kdf.hkdf(hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), null, new byte[0], 42));
  }

  // AES-256-GCM, the GCM specification's test cases 13 to 16 (used by NIST's validation).

  private static byte[] gcm(byte[] key, byte[] iv, byte[] aad, byte[] plain) throws Exception {
    Cipher c = Gcm.newCipher();
    c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, iv));
    c.updateAAD(aad);
    return c.doFinal(plain);
  }

  private static final byte[] ZERO_KEY = new byte[32];
  private static final byte[] KEY_15 =
      hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  private static final byte[] IV_15 = hex("cafebabefacedbaddecaf888");
  private static final String P_15 =
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
          + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
  private static final String C_15 =
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
          + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad";

  @Test
  void gcmCase13EmptyPlaintext() throws Exception {
    assertArrayEquals(
        hex("530f8afbc74536b9a963b4f1c4cb738b"),
        gcm(ZERO_KEY, new byte[12], new byte[0], new byte[0]));
  }

  @Test
  void gcmCase14OneZeroBlock() throws Exception {
    assertArrayEquals(
        hex("cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919"),
        gcm(ZERO_KEY, new byte[12], new byte[0], new byte[16]));
  }

  @Test
  void gcmCase15() throws Exception {
    assertArrayEquals(
        hex(C_15 + "b094dac5d93471bdec1a502270e3cc6c"), gcm(KEY_15, IV_15, new byte[0], hex(P_15)));
  }

  @Test
  void gcmCase16WithAad() throws Exception {
    String p = P_15.substring(0, 120);
    String c = C_15.substring(0, 120);
    assertArrayEquals(
        hex(c + "76fc6ece0f4e1768cddf8853bb2d551b"),
        gcm(KEY_15, IV_15, hex("feedfacedeadbeeffeedfacedeadbeefabaddad2"), hex(p)));
  }

  // HMAC-SHA-256, RFC 4231, through the chunk-ID hasher itself.

  @Test
  void hmacRfc4231Case1() {
    ChunkIdHasher h = new ChunkIdHasher(hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"));
    byte[] data = ascii("Hi There");
    assertEquals(
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
        h.hash(data, 0, data.length).toHex());
  }

  @Test
  void hmacRfc4231Case2() {
    ChunkIdHasher h = new ChunkIdHasher(ascii("Jefe"));
    byte[] data = ascii("what do ya want for nothing?");
    assertEquals(
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        h.hash(data, 0, data.length).toHex());
  }
}
