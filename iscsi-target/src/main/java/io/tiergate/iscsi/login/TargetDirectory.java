package io.tiergate.iscsi.login;

import io.tiergate.iscsi.auth.ChapCredentials;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;

/** What the login layer needs to know about the targets a portal serves. */
public interface TargetDirectory {

  /**
   * One target as login sees it.
   *
   * @param name the target's IQN
   * @param allowedInitiators initiator names allowed in; empty for any
   * @param chap CHAP the initiator must pass, or null for none
   */
  record Entry(String name, Set<String> allowedInitiators, ChapCredentials chap) {

    /** Whether an initiator of this name may log in. */
    public boolean allows(String initiatorName) {
      return allowedInitiators.isEmpty() || allowedInitiators.contains(initiatorName);
    }
  }

  /** The target of that name, or null. */
  Entry target(String name);

  /** All targets, in the order SendTargets=All lists them. */
  List<Entry> targets();

  /** CHAP required for discovery sessions, or null for none. */
  ChapCredentials discoveryChap();

  /** The portal group tag of this portal. */
  int portalGroupTag();

  /**
   * The address SendTargets reports, {@code host:port}; {@code local} is the address the
   * initiator connected to (null when not an IP connection), used when no portal address was
   * configured.
   */
  String portalAddress(InetSocketAddress local);
}
