package io.tiergate.iscsi.session;

import io.netty.util.concurrent.ScheduledFuture;
import java.net.SocketAddress;

/**
 * What a connection is allowed while it logs in, and its release: one of the portal's login
 * slots (if it got one) and the timer that drops a login taking too long. Ending the login,
 * however it ends, gives the slot back once and cancels the timer, so that neither a closed
 * connection nor the text it gathered stays reachable until the timer would have fired.
 * Event-loop confined, like the connection.
 */
final class LoginAllowance {
  private final Portal portal;
  private final SocketAddress peer;
  private boolean slot;
  private ScheduledFuture<?> timer;

  /**
   * Takes a login slot for the peer, if one is free, and keeps the timer to cancel.
   *
   * @param timer the scheduled login timeout
   */
  LoginAllowance(Portal portal, SocketAddress peer, ScheduledFuture<?> timer) {
    this.portal = portal;
    this.peer = peer;
    this.slot = portal.startLogin(peer);
    this.timer = timer;
  }

  /** Whether the login holds a slot and may go on. */
  boolean admitted() {
    return slot;
  }

  /** The login is over (done, failed or the connection closed); idempotent. */
  void end() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
    if (slot) {
      slot = false;
      portal.loginEnded(peer);
    }
  }
}
