/**
 * The gateway's meters (Micrometer, exposed in the Prometheus text format at {@code /metrics}):
 * {@link io.tiergate.gateway.metrics.GatewayStats} holds every meter with its name and help
 * text as constants, and {@link io.tiergate.gateway.metrics.MeteredBlockDevice} times the I/O
 * of each exported volume.
 */
package io.tiergate.gateway.metrics;
