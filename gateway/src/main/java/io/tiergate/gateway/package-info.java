/**
 * The gateway process: {@link io.tiergate.gateway.Main} (the command line), {@link
 * io.tiergate.gateway.Gateway} (the running service: key ring, block engine, iSCSI portal) and
 * its settings ({@link io.tiergate.gateway.GatewayConfig}).
 */
package io.tiergate.gateway;
