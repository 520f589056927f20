package io.tiergate.gateway.tier;

import io.tiergate.crypto.KeyRing;
import io.tiergate.tiering.meta.CloudMetadata;
import io.tiergate.tiering.store.ObjectStore;

/**
 * Whose key ring a cloud store holds, as far as this appliance can tell: the one decision that
 * says whether the appliance may write to a store (its uploads, key ring and catalogue) and
 * whether publishing its key ring may replace what is there.
 */
public enum KeyRingMatch {
  /** No key ring there yet: the store is free to take. */
  NONE,
  /** This appliance's ring, the current generation or an older one (re-wrapped, rotated). */
  OURS,
  /**
   * Another appliance's ring (or bytes that are no key ring of ours): the store belongs to
   * someone else and is never written to; replacing that ring would make every pack in it
   * undecryptable for ever.
   */
  FOREIGN;

  /** Whether this appliance may write to a store with this match. */
  public boolean writable() {
    return this != FOREIGN;
  }

  /**
   * Reads the newest key ring in {@code store} (reading only) and compares it with {@code
   * keys}: {@link KeyRing#isFormOf} decides, so a ring of ours from before a passphrase change
   * is still ours and a different ring under the same passphrase is not.
   *
   * @throws io.tiergate.tiering.store.ObjectStoreException when the store cannot be read
   */
  public static KeyRingMatch of(ObjectStore store, KeyRing keys) {
    return of(new CloudMetadata(store), keys);
  }

  /** {@link #of(ObjectStore, KeyRing)} through metadata already opened on the store. */
  public static KeyRingMatch of(CloudMetadata metadata, KeyRing keys) {
    byte[] theirs = metadata.latestKeyRing().orElse(null);
    return of(theirs, keys);
  }

  /** The match of a serialised ring found in a store (null: none there). */
  public static KeyRingMatch of(byte[] theirs, KeyRing keys) {
    if (theirs == null) {
      return NONE;
    }
    return keys.isFormOf(theirs) ? OURS : FOREIGN;
  }
}
