package io.tiergate.gateway.engine;

/**
 * Space of one snapshot: {@code deltaEntries} block-map entries it keeps apart from the live
 * volume (its delta; holes included), {@code deltaChunks} of them naming a chunk, and
 * {@code exclusiveBytes}: stored bytes of the chunks that only this snapshot's delta refers
 * to, which deleting it would free.
 */
public record SnapshotSpace(long deltaEntries, long deltaChunks, long exclusiveBytes) {}
