/**
 * The block engine: thin, deduplicated, compressed volumes on the appliance's key-value store.
 *
 * <p>{@link io.tiergate.gateway.engine.BlockEngine} owns the store and the volumes; each {@link
 * io.tiergate.gateway.engine.Volume} is an iSCSI {@code BlockDevice}. A volume is cut into
 * fixed, LBA-aligned chunks; a chunk's content is named by a keyed hash ({@link
 * io.tiergate.gateway.engine.ChunkHasher}) and stored once per appliance with a refcount,
 * LZ4-compressed when that shrinks it; all-zero chunks are holes. Local snapshots, clones and
 * restores ({@code Snapshots}) keep the preimages of changed entries in per-snapshot deltas of
 * the block map. {@link io.tiergate.gateway.engine.EngineVerifier} checks the on-disk
 * invariants.
 */
package io.tiergate.gateway.engine;
