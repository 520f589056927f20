/**
 * The gateway's logging, on Logback behind SLF4J: {@link
 * io.tiergate.gateway.logging.LogSetup} applies the administrator's {@code logback.xml} (or
 * the shipped one) when the gateway starts, {@link
 * io.tiergate.gateway.logging.StartupConfigurator} keeps every process on standard error until
 * then, and {@link io.tiergate.gateway.logging.OwnerOnlyRollingFileAppender} keeps the log
 * files owner-only.
 */
package io.tiergate.gateway.logging;
