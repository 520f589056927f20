package io.tiergate.gateway.engine;

import io.tiergate.crypto.ChunkIdHasher;

/**
 * Names chunk content: a keyed 32-byte hash (HMAC-SHA-256 under the appliance's chunk-ID key),
 * so equal plaintexts get equal IDs on one appliance and nobody without the key can confirm a
 * guessed plaintext from an ID. Implementations are thread-safe.
 */
@FunctionalInterface
public interface ChunkHasher {

  /** Length of every chunk ID in bytes. */
  int ID_LENGTH = 32;

  /** The ID of {@code len} bytes of {@code data} from {@code off}: {@link #ID_LENGTH} bytes. */
  byte[] hash(byte[] data, int off, int len);

  /** The engine's view of the crypto module's chunk-ID hasher: the same function, as bytes. */
  static ChunkHasher of(ChunkIdHasher ids) {
    return (data, off, len) -> ids.hash(data, off, len).toBytes();
  }
}
