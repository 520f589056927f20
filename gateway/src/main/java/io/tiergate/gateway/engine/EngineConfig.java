package io.tiergate.gateway.engine;

import io.tiergate.gateway.kv.KvConfig;

/**
 * Engine settings.
 *
 * @param kv key-value store tuning (memory bounds)
 * @param capacityBytes local capacity limit for stored chunk bytes; writes that would exceed it
 *     fail with "space allocation failed". {@code Long.MAX_VALUE} for no limit
 * @param maxChunksPerBatch most chunks one write batch carries; bounds memory per command
 */
public record EngineConfig(KvConfig kv, long capacityBytes, int maxChunksPerBatch) {

  /** Appliance defaults: no capacity limit. */
  public static EngineConfig defaults() {
    return new EngineConfig(KvConfig.defaults(), Long.MAX_VALUE, 64);
  }

  /** Small memory settings for tests. */
  public static EngineConfig small() {
    return new EngineConfig(KvConfig.small(), Long.MAX_VALUE, 64);
  }

  /** The same settings with another capacity limit. */
  public EngineConfig withCapacity(long bytes) {
    return new EngineConfig(kv, bytes, maxChunksPerBatch);
  }

  /** Validates. */
  public EngineConfig {
    if (capacityBytes <= 0 || maxChunksPerBatch < 1) {
      throw new IllegalArgumentException("capacity and batch size must be positive");
    }
  }
}
