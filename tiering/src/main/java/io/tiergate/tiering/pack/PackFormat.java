package io.tiergate.tiering.pack;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Pack object format, version 1. All integers big-endian.
 *
 * <pre>
 * header   (60 bytes, clear)  magic "TGPK" | version u16 = 1 | flags u16 = 0 | key id u32 |
 *                             pack id (16) | pack salt (32)
 * records  (sealed)           record i = PackCipher record i: version u8 | ciphertext | tag (16)
 * trailer  (sealed)           sealed as record index N (N = record count), plaintext:
 *                             count u32 | count x (chunk id (32) | offset u64 | length u32)
 * footer   (24 bytes, clear)  trailer offset u64 | trailer length u32 | record count u32 |
 *                             magic "TGPF" | version u16 = 1 | reserved u16 = 0
 * </pre>
 *
 * <p>Why this shape: one chunk is read back with a single ranged GET of its record; the trailer
 * lets the index be rebuilt from the pack alone; the fixed footer is found from the object's
 * length. Nothing in the clear says anything about the data: the key id, pack id and salt are
 * random or opaque, and every one of them is bound into the record keys and AAD by the cipher,
 * so changing a header byte makes every record fail authentication. The footer's record count
 * picks the trailer's nonce, so a footer that lies about the count fails authentication too.
 */
public final class PackFormat {

  /** Version written by this build. */
  public static final int VERSION = 1;
  /** Header magic. */
  static final int HEADER_MAGIC = 0x5447504b; // "TGPK"
  /** Footer magic. */
  static final int FOOTER_MAGIC = 0x54475046; // "TGPF"
  /** Pack id length: a random 128-bit id. */
  public static final int PACK_ID_LENGTH = 16;
  /** Pack salt length (per-pack key derivation). */
  public static final int SALT_LENGTH = 32;
  /** Header length. */
  public static final int HEADER_LENGTH = 4 + 2 + 2 + 4 + PACK_ID_LENGTH + SALT_LENGTH;
  /** Footer length. */
  public static final int FOOTER_LENGTH = 8 + 4 + 4 + 4 + 2 + 2;
  /** One trailer entry: chunk id, offset, length. */
  static final int ENTRY_LENGTH = 32 + 8 + 4;

  private static final SecureRandom RANDOM = new SecureRandom();

  private PackFormat() {}

  /** A fresh random pack id. */
  public static byte[] newPackId() {
    byte[] id = new byte[PACK_ID_LENGTH];
    RANDOM.nextBytes(id);
    return id;
  }

  /** A fresh random pack salt. */
  public static byte[] newSalt() {
    byte[] salt = new byte[SALT_LENGTH];
    RANDOM.nextBytes(salt);
    return salt;
  }

  /**
   * The object name of a pack: {@code packs/<first two hex digits>/<32 hex digits>}. It carries
   * nothing but the random id.
   */
  public static String objectName(byte[] packId) {
    String hex = HexFormat.of().formatHex(packId);
    return "packs/" + hex.substring(0, 2) + "/" + hex;
  }
}
