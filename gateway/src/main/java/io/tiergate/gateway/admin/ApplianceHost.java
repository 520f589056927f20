package io.tiergate.gateway.admin;

import io.tiergate.crypto.KeyRing;
import io.tiergate.gateway.engine.BlockEngine;
import io.tiergate.gateway.tier.CloudTierService;
import io.tiergate.iscsi.TargetConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What the administration service needs of the running gateway. The gateway implements it;
 * tests can too.
 */
public interface ApplianceHost {

  /** The data directory. */
  Path dataDir();

  /** {@code host:port} the admin server listens on, or {@code off}. */
  String adminListen();

  /** Local capacity for stored chunk bytes, {@code Long.MAX_VALUE} when unlimited. */
  long capacityBytes();

  /** The block engine. */
  BlockEngine engine();

  /** The unlocked key ring. */
  KeyRing keyRing();

  /** Writes the key ring's current slots to its file, atomically. */
  void saveKeyRing();

  /** The file the gateway reads its passphrase from at start. */
  Path passphraseFile();

  /** The IQN a volume is exported under. */
  String iqn(String volume);

  /** Normal iSCSI sessions logged in. */
  int sessionCount();

  /** Normal iSCSI sessions logged in to the target of that IQN. */
  int sessionCount(String iqn);

  /**
   * {@code host:port} an initiator can use for the iSCSI portal (for a portal on all
   * addresses, one of this machine's), or null when not serving.
   */
  String portal();

  /** Every {@code host:port} an initiator can use, {@link #portal()} first; empty if not serving. */
  List<String> portals();

  /** Whether the portal listens on all addresses (so any of the machine's will do). */
  boolean portalOnAllAddresses();

  /**
   * Serves this target from now on, adding it to the running portal or replacing the one of
   * the same IQN; other targets' sessions are not disturbed. Returns the sessions of this
   * target that had to be closed (see {@code IscsiServer.putTarget}); 0 when not serving.
   */
  int exportTarget(TargetConfig.Target target);

  /**
   * Stops serving the target of that IQN, closing its sessions only; returns how many were
   * closed (0 when it was not served).
   */
  int unexportTarget(String iqn);

  /** The cloud tier, or null when the gateway runs without one. */
  default CloudTierService cloud() {
    return null;
  }

  /** The gateway's settings by name, for the support bundle (the service redacts secrets). */
  Map<String, String> settings();
}
