package io.tiergate.gateway.tier;

/**
 * Where the cloud tier reports what it does as it happens, for the metrics (the gateway's
 * {@code GatewayStats} behind an adapter). Every method must be cheap and must not throw.
 */
public interface TierMeters {

  /** One cloud request took {@code nanos}; {@code failed} when it failed after retries. */
  void request(long nanos, boolean failed);

  /** A pack of {@code bytes} was uploaded. */
  void uploaded(long bytes);

  /** A sealed record of {@code bytes} was downloaded. */
  void downloaded(long bytes);

  /** A read was served from the cloud rather than the local cache. */
  void coldRead();

  /** A chunk read back from the cloud failed authentication or its chunk-ID check. */
  void integrityFailure();

  /** Stored bytes now in flight to the cloud. */
  void uploadQueue(long bytes);

  /** GC: packs waiting for repack, and cloud bytes just reclaimed. */
  void gc(long pendingPacks, long reclaimedBytes);

  /** The cloud state changed to {@code state} ({@code detail}: why, or null; never a secret). */
  default void cloudState(CloudHealth.State state, String detail) {}

  /** The cloud has been away for the alert time ({@code raised}), or answers again. */
  default void cloudAlert(boolean raised, String detail) {}

  /** Reports nothing. */
  TierMeters NONE = new Silent();

  /** Reports nothing; a base for meters that want only some of the reports. */
  class Silent implements TierMeters {
    @Override
    public void request(long nanos, boolean failed) {}

    @Override
    public void uploaded(long bytes) {}

    @Override
    public void downloaded(long bytes) {}

    @Override
    public void coldRead() {}

    @Override
    public void integrityFailure() {}

    @Override
    public void uploadQueue(long bytes) {}

    @Override
    public void gc(long pendingPacks, long reclaimedBytes) {}
  }
}
