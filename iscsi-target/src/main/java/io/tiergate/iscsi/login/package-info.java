/**
 * The login phase and text negotiation of RFC 7143 sections 6 and 13:
 * {@link io.tiergate.iscsi.login.LoginNegotiator} walks one connection through the security
 * and operational stages, answering only the keys the initiator offered, each by its row of
 * the key-rule table ({@code KeyRules}), and {@link io.tiergate.iscsi.login.SendTargets}
 * answers discovery. The outcome is a {@link io.tiergate.iscsi.login.SessionParameters} value
 * the session layer runs with.
 */
package io.tiergate.iscsi.login;
