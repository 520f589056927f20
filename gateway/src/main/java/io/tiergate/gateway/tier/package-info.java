/**
 * The gateway's cloud tier policy: which dirty chunks to pack and upload and when, eviction
 * of clean chunks under local pressure, cold reads of evicted chunks, and the pack GC. {@link
 * io.tiergate.gateway.tier.CloudTierService} is the facade the gateway and the admin API use;
 * behind it one package-private part per job (upload pass, evictor, cold reads, pack GC, cloud
 * metadata, store switch, probe) shares one context. The cloud format and the object stores
 * belong to {@code io.tiergate.tiering}; the engine's invariants to {@code
 * io.tiergate.gateway.engine.ChunkTierStore}, where chunks read back from the cloud are
 * admitted (checked once).
 */
package io.tiergate.gateway.tier;
