package io.tiergate.tiering;

import io.tiergate.tiering.pack.PackFormat;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * What identifies an uploaded pack and derives its key: the random pack id, the data key id and
 * the pack salt. The appliance keeps it locally per pack; the index journal keeps it in the
 * cloud (encrypted).
 *
 * @param packId the random 128-bit pack id (also the object name)
 * @param keyId the data key id the pack is sealed under
 * @param salt the pack salt
 */
public record PackRef(byte[] packId, int keyId, byte[] salt) {

  /** Copies the arrays so the record stays immutable. */
  public PackRef {
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

  /** The pack's object name. */
  public String objectName() {
    return PackFormat.objectName(packId);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PackRef r
        && r.keyId == keyId
        && Arrays.equals(r.packId, packId)
        && Arrays.equals(r.salt, salt);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(packId);
  }

  @Override
  public String toString() {
    return "PackRef[" + HexFormat.of().formatHex(packId) + ", keyId=" + keyId + "]";
  }
}
