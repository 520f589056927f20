package io.tiergate.tiering.pack;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The clear header of a pack: what is needed to derive its record key.
 *
 * @param version pack format version
 * @param keyId the data key id the pack is sealed under
 * @param packId the random pack id
 * @param salt the pack salt
 */
public record PackHeader(int version, int keyId, byte[] packId, byte[] salt) {

  /** Copies the arrays so the record stays immutable. */
  public PackHeader {
    packId = packId.clone();
    salt = salt.clone();
  }

  @Override
  public byte[] packId() {
    return packId.clone();
  }

  @Override
  public byte[] salt() {
    return salt.clone();
  }

  void writeTo(ByteBuffer out) {
    out.putInt(PackFormat.HEADER_MAGIC)
        .putShort((short) version)
        .putShort((short) 0)
        .putInt(keyId)
        .put(packId)
        .put(salt);
  }

  /**
   * Parses a header.
   *
   * @throws PackFormatException when it is not a pack header or of an unknown version
   */
  public static PackHeader parse(byte[] b, int off, int len) {
    if (len < PackFormat.HEADER_LENGTH) {
      throw new PackFormatException("pack header truncated");
    }
    ByteBuffer in = ByteBuffer.wrap(b, off, len);
    if (in.getInt() != PackFormat.HEADER_MAGIC) {
      throw new PackFormatException("not a pack: bad header magic");
    }
    int version = in.getShort() & 0xffff;
    if (version != PackFormat.VERSION) {
      throw new PackFormatException("unsupported pack format version " + version);
    }
    if (in.getShort() != 0) {
      // No flags are defined in version 1; a set one means a newer writer or damage.
      throw new PackFormatException("unknown pack header flags");
    }
    int keyId = in.getInt();
    byte[] packId = new byte[PackFormat.PACK_ID_LENGTH];
    in.get(packId);
    byte[] salt = new byte[PackFormat.SALT_LENGTH];
    in.get(salt);
    return new PackHeader(version, keyId, packId, salt);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PackHeader h
        && h.version == version
        && h.keyId == keyId
        && Arrays.equals(h.packId, packId)
        && Arrays.equals(h.salt, salt);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(packId) + keyId;
  }

  @Override
  public String toString() {
    return "PackHeader[v" + version + ", keyId=" + keyId + "]";
  }
}
