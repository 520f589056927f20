package io.tiergate.iscsi;

import io.tiergate.iscsi.login.LoginStatus;

/**
 * A login that an {@link IscsiServer} refused, as reported to a {@link Listener}. Carries no
 * secret: CHAP values are never part of it.
 *
 * @param reason why, in the categories an administrator watches
 * @param status the Login Response status sent, class &lt;&lt; 8 | detail (RFC 7143 11.13.5)
 * @param initiatorName the InitiatorName offered, or null when none was
 * @param targetName the TargetName offered, or null (discovery, or none offered)
 * @param peer the initiator's address
 */
public record LoginFailure(Reason reason, int status, String initiatorName, String targetName,
    String peer) {

  /** Why a login failed. */
  public enum Reason {
    /** CHAP failed or was not offered where required (status 0x0201). */
    AUTHENTICATION,
    /** The initiator is not on the target's allow list (status 0x0202). */
    NOT_ALLOWED,
    /** No such target (status 0x0203), including one removed while the login ran. */
    UNKNOWN_TARGET,
    /** Any other refusal: protocol or negotiation errors, unknown session, target error. */
    OTHER;

    /** The reason for a Login Response status. */
    public static Reason of(int status) {
      return switch (status) {
        case LoginStatus.AUTHENTICATION_FAILURE -> AUTHENTICATION;
        case LoginStatus.AUTHORIZATION_FAILURE -> NOT_ALLOWED;
        case LoginStatus.NOT_FOUND -> UNKNOWN_TARGET;
        default -> OTHER;
      };
    }
  }

  /**
   * Told of each failed login. Called on a network thread: it must be quick and must not
   * block (incrementing a counter is the intended use).
   */
  @FunctionalInterface
  public interface Listener {
    /** A login was refused. */
    void loginFailed(LoginFailure failure);
  }
}
