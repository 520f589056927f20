package io.tiergate.gateway.engine;

/**
 * A chunk's stored bytes (header included) that have entered the engine from the cloud through
 * {@link ChunkTierStore#admit}: they decode and hash to their chunk ID. Only the tier store can
 * make one, so a {@link ColdReader} cannot hand the engine bytes that were not checked, and
 * nothing checks them a second time.
 */
public final class AdmittedChunk {
  private final byte[] stored;

  AdmittedChunk(byte[] stored) {
    this.stored = stored;
  }

  /** The stored bytes (not copied: do not change them). */
  public byte[] stored() {
    return stored;
  }
}
