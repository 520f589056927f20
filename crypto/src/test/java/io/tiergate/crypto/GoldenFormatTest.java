package io.tiergate.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.junit.jupiter.api.Test;

/**
 * Golden files pin every stored format: an accidental change to the record, metadata or key ring
 * layout, to a derivation label or to the AAD fails here.
 */
class GoldenFormatTest {
  private static final Golden RECORD = Golden.load("record-v1.golden");
  private static final Golden METADATA = Golden.load("metadata-v1.golden");
  private static final Golden RING = Golden.load("keyring-v1.golden");

  private static PackCipher goldenPack() {
    return new PackCipher(
        new KeyRing.Liveness(),
        RECORD.hex("dataKey"),
        (int) RECORD.number("keyId"),
        RECORD.hex("packId"),
        RECORD.hex("packSalt"));
  }

  @Test
  void packKeyDerivationIsPinned() {
    assertArrayEquals(
        RECORD.hex("packKey"),
        PackCipher.derivePackKey(
            RECORD.hex("dataKey"),
            (int) RECORD.number("keyId"),
            RECORD.hex("packId"),
            RECORD.hex("packSalt")));
  }

  @Test
  void recordsSealAndOpenExactlyAsPinned() {
    PackCipher sealer = goldenPack();
    PackCipher opener = goldenPack();
    for (int i = 0; i < 3; i++) {
      long index = RECORD.number("record." + i + ".index");
      byte[] plain = RECORD.hex("record." + i + ".plain");
      byte[] sealed = RECORD.hex("record." + i + ".sealed");
      assertArrayEquals(sealed, sealer.encryptRecord(index, plain, 0, plain.length), "record " + i);
      assertArrayEquals(
          plain, opener.decryptRecord(index, sealed, 0, sealed.length), "record " + i);
    }
  }

  /**
   * The documented layout, rebuilt from the raw primitives (Bouncy Castle HKDF, JDK GCM) without
   * going through PackCipher: proves the javadoc describes what the code does.
   */
  @Test
  void recordFormatMatchesItsSpecification() throws Exception {
    byte[] packId = RECORD.hex("packId");
    int keyId = (int) RECORD.number("keyId");
    ByteBuffer info = ByteBuffer.allocate(20 + 4 + 1 + packId.length);
    info.put("tiergate pack key v1".getBytes(StandardCharsets.US_ASCII))
        .putInt(keyId)
        .put((byte) packId.length)
        .put(packId);
    HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
    hkdf.init(new HKDFParameters(RECORD.hex("dataKey"), RECORD.hex("packSalt"), info.array()));
    byte[] packKey = new byte[32];
    hkdf.generateBytes(packKey, 0, 32);
    assertArrayEquals(RECORD.hex("packKey"), packKey);

    long index = RECORD.number("record.2.index");
    byte[] nonce = ByteBuffer.allocate(12).putInt(0).putLong(index).array();
    byte[] aad =
        ByteBuffer.allocate(1 + 4 + 1 + packId.length + 8)
            .put((byte) 1)
            .putInt(keyId)
            .put((byte) packId.length)
            .put(packId)
            .putLong(index)
            .array();
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(
        Cipher.ENCRYPT_MODE, new SecretKeySpec(packKey, "AES"), new GCMParameterSpec(128, nonce));
    c.updateAAD(aad);
    byte[] body = c.doFinal(RECORD.hex("record.2.plain"));
    byte[] expected = ByteBuffer.allocate(1 + body.length).put((byte) 1).put(body).array();
    assertArrayEquals(RECORD.hex("record.2.sealed"), expected);
  }

  @Test
  void metadataFormatIsPinned() {
    MetadataCipher m = new MetadataCipher(new KeyRing.Liveness(), METADATA.hex("metadataKey"));
    byte[] plain = METADATA.hex("plain");
    byte[] sealed = METADATA.hex("sealed");
    assertArrayEquals(sealed, m.seal(plain, METADATA.text("context"), METADATA.hex("nonce")));
    assertArrayEquals(plain, m.decrypt(sealed, METADATA.text("context")));
  }

  @Test
  void goldenKeyRingOpensWithEitherPassphraseAndReserialisesIdentically() {
    for (String p : new String[] {"passphrase.1", "passphrase.2"}) {
      try (KeyRing ring = KeyRing.unlock(RING.hex("ring"), RING.text(p).toCharArray())) {
        assertEquals(2, ring.slotCount());
        assertEquals(2, ring.currentDataKeyId());
        assertArrayEquals(RING.hex("ring"), ring.serialize());
      }
    }
  }

  @Test
  void goldenKeyRingDerivesThePinnedKeys() {
    try (KeyRing ring = KeyRing.unlock(RING.hex("ring"), RING.text("passphrase.1").toCharArray())) {
      byte[] chunk = RING.text("chunk.plain").getBytes(StandardCharsets.US_ASCII);
      assertEquals(
          RING.text("chunk.id"), ring.chunkIdHasher().hash(chunk, 0, chunk.length).toHex());

      byte[] plain = RING.text("record.plain").getBytes(StandardCharsets.US_ASCII);
      long index = RING.number("record.index");
      for (int keyId = 1; keyId <= 2; keyId++) {
        byte[] sealed = RING.hex("record.key" + keyId + ".sealed");
        PackCipher p =
            ring.packCipher(keyId, RING.hex("record.packId"), RING.hex("record.packSalt"));
        assertArrayEquals(plain, p.decryptRecord(index, sealed, 0, sealed.length));
        assertArrayEquals(sealed, p.encryptRecord(index, plain, 0, plain.length));
      }

      byte[] meta = RING.text("metadata.plain").getBytes(StandardCharsets.UTF_8);
      byte[] sealedMeta = RING.hex("metadata.sealed");
      assertArrayEquals(
          meta, ring.metadataCipher().decrypt(sealedMeta, RING.text("metadata.context")));
      assertArrayEquals(
          sealedMeta,
          ring.metadataCipher()
              .seal(meta, RING.text("metadata.context"), RING.hex("metadata.nonce")));
    }
  }
}
