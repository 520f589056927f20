package io.tiergate.tiering.pack;

import io.tiergate.crypto.ChunkId;

/**
 * Where one chunk's record lies in a pack: enough for a single ranged GET and for opening it.
 *
 * @param chunkId the chunk the record holds
 * @param recordIndex the record's index in the pack (its nonce and AAD)
 * @param offset byte offset of the sealed record in the pack object
 * @param length length of the sealed record
 */
public record PackEntry(ChunkId chunkId, int recordIndex, long offset, int length) {}
