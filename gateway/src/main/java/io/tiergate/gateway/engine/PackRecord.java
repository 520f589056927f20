package io.tiergate.gateway.engine;

import io.tiergate.gateway.kv.Keys;
import java.util.Arrays;

/**
 * What the appliance keeps of one uploaded pack ({@code packs} family, keyed by a local pack
 * number so chunk records stay small): what names and unlocks the pack object (its random id,
 * data key id and salt), its size, and its lifecycle. Live and dead sealed bytes are merge
 * counters in the meta family, updated in the very batches that change the chunks.
 *
 * <pre>
 * [version:1][state:1][key id:4][pack id length:1][pack id][salt length:1][salt]
 * [object size:8][dead since millis:8]
 * </pre>
 *
 * @param packId the random pack id (the object's name is derived from it)
 * @param keyId the data key id the pack is sealed under
 * @param salt the pack salt
 * @param objectSize bytes of the pack object
 * @param dead true once no live chunk is left in it: deletable after the grace period
 * @param deadSinceMillis when it became dead
 */
public record PackRecord(byte[] packId, int keyId, byte[] salt, long objectSize, boolean dead,
    long deadSinceMillis) {

  static final int VERSION = 1;

  /** Copies the arrays. */
  public PackRecord {
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

  PackRecord markDead(long now) {
    return new PackRecord(packId, keyId, salt, objectSize, true, now);
  }

  byte[] encode() {
    byte[] b = new byte[1 + 1 + 4 + 1 + packId.length + 1 + salt.length + 8 + 8];
    int p = 0;
    b[p++] = VERSION;
    b[p++] = (byte) (dead ? 1 : 0);
    Keys.putInt(b, p, keyId);
    p += 4;
    b[p++] = (byte) packId.length;
    System.arraycopy(packId, 0, b, p, packId.length);
    p += packId.length;
    b[p++] = (byte) salt.length;
    System.arraycopy(salt, 0, b, p, salt.length);
    p += salt.length;
    Keys.putLong(b, p, objectSize);
    Keys.putLong(b, p + 8, deadSinceMillis);
    return b;
  }

  static PackRecord decode(byte[] b) {
    if (b.length < 7 || b[0] != VERSION) {
      throw new IllegalStateException("unreadable pack record");
    }
    int p = 2;
    int keyId = Keys.getInt(b, p);
    p += 4;
    int idLen = b[p++] & 0xff;
    byte[] id = Arrays.copyOfRange(b, p, p + idLen);
    p += idLen;
    int saltLen = b[p++] & 0xff;
    byte[] salt = Arrays.copyOfRange(b, p, p + saltLen);
    p += saltLen;
    return new PackRecord(id, keyId, salt, Keys.getLong(b, p), b[1] == 1, Keys.getLong(b, p + 8));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PackRecord r && Arrays.equals(r.packId, packId) && r.keyId == keyId
        && Arrays.equals(r.salt, salt) && r.objectSize == objectSize && r.dead == dead
        && r.deadSinceMillis == deadSinceMillis;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(packId);
  }

  @Override
  public String toString() {
    return "PackRecord[keyId=" + keyId + ", size=" + objectSize + ", dead=" + dead + "]";
  }
}
