/**
 * The gateway's cloud tier policy: which dirty chunks to pack and upload and when, eviction
 * of clean chunks under local pressure, cold reads of evicted chunks, and the pack GC. The
 * cloud format and the object stores belong to {@code io.tiergate.tiering}; the engine's
 * invariants to {@code io.tiergate.gateway.engine.ChunkTierStore}.
 */
package io.tiergate.gateway.tier;
