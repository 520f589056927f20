package io.tiergate.gateway.engine;

import io.tiergate.gateway.kv.KvConfig;

/**
 * Engine settings.
 *
 * @param kv key-value store tuning (memory bounds)
 * @param capacityBytes local capacity limit for stored chunk bytes; writes that would exceed it
 *     fail with "space allocation failed". {@code Long.MAX_VALUE} for no limit
 * @param maxChunksPerBatch most chunks one write batch carries; bounds memory per command
 * @param heatGranularityMillis how far a read must advance a chunk's last-use time before the
 *     chunk record is rewritten for it: reads are tracked in memory and only such advances
 *     become metadata writes. Small against the tier's tier-after age (default one minute)
 */
public record EngineConfig(KvConfig kv, long capacityBytes, int maxChunksPerBatch,
    long heatGranularityMillis) {

  /** Default {@link #heatGranularityMillis}. */
  public static final long DEFAULT_HEAT_GRANULARITY_MILLIS = 60_000;

  /** Settings with the default heat granularity. */
  public EngineConfig(KvConfig kv, long capacityBytes, int maxChunksPerBatch) {
    this(kv, capacityBytes, maxChunksPerBatch, DEFAULT_HEAT_GRANULARITY_MILLIS);
  }

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
    return new EngineConfig(kv, bytes, maxChunksPerBatch, heatGranularityMillis);
  }

  /** The same settings with another heat granularity. */
  public EngineConfig withHeatGranularity(long millis) {
    return new EngineConfig(kv, capacityBytes, maxChunksPerBatch, millis);
  }

  /** Validates. */
  public EngineConfig {
    if (capacityBytes <= 0 || maxChunksPerBatch < 1) {
      throw new IllegalArgumentException("capacity and batch size must be positive");
    }
    if (heatGranularityMillis < 0) {
      throw new IllegalArgumentException("heat granularity must not be negative");
    }
  }
}
