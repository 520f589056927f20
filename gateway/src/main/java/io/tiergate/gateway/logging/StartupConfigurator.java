package io.tiergate.gateway.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback's configuration of every Tiergate process until the gateway knows its data
 * directory: standard error only, at the level of {@code -Dtiergate.log.level} (default
 * {@code INFO}), in the pattern of the gateway's log. Found by Logback through {@code
 * META-INF/services}, ahead of its own search for a {@code logback.xml}, so that a one-shot
 * command never opens a log file; {@link LogSetup#forGateway} then applies the gateway's
 * configuration. A {@code logback-test.xml} on the class path (the tests') takes precedence.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class StartupConfigurator extends ContextAwareBase implements Configurator {
  /** For Logback's service loader. */
  public StartupConfigurator() {
    // nothing to set up
  }

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (StartupConfigurator.class.getClassLoader().getResource("logback-test.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    LogSetup.consoleOnly(context);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
