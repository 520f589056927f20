package io.tiergate.gateway.metrics;

import io.tiergate.gateway.engine.SpaceUsage;

/** Where the appliance-wide gauges of {@link GatewayStats} read their values at scrape time. */
public interface ApplianceGauges {

  /** Normal iSCSI sessions logged in. */
  int sessions();

  /** Space figures of the whole appliance. */
  SpaceUsage usage();

  /** Percent of the local capacity in use by stored chunk bytes. */
  double usedPercent();

  /** Local snapshots of volume {@code volume} (0 once it is gone). */
  int snapshots(String volume);
}
