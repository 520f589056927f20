/**
 * The appliance's administration service: the admin HTTPS server (REST API under {@code
 * /api/v1}, the web UI's static files and Prometheus {@code /metrics}) on Netty's HTTP codec,
 * its access control (admin password as a PBKDF2 hash, API tokens, a local credential file,
 * rate-limited logins, a self-signed certificate made at first boot), the audited event log,
 * per-volume iSCSI access (initiator allow lists and CHAP), the local snapshot endpoints
 * ({@code SnapshotsHandler}) and the support bundle.
 *
 * <p>{@link io.tiergate.gateway.admin.AdminService} is the one entry point: the gateway builds
 * it with an {@link io.tiergate.gateway.admin.ApplianceHost} giving access to the engine, the
 * key ring and the iSCSI portal, and starts and closes it with itself. {@link
 * io.tiergate.gateway.admin.Json} is shared with the CLI. Everything else is package-private.
 */
package io.tiergate.gateway.admin;
