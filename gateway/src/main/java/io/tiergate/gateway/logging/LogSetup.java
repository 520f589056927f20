package io.tiergate.gateway.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.status.Status;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the gateway's log goes. {@code ./tiergate run} calls {@link #forGateway} before it
 * opens anything, with the first of these configurations that exists:
 *
 * <ol>
 *   <li>the file or URL named by {@code -Dlogback.configurationFile};
 *   <li>{@code DATA/logback.xml}, an administrator's copy kept with the appliance's data;
 *   <li>the shipped default ({@value #SHIPPED} in the jar): standard error plus {@code
 *       DATA/logs/gateway.log}, owner-only, rolled at 4 MiB with 4 older files kept.
 * </ol>
 *
 * <p>Each configuration sees the property {@code ${tiergate.logs}}, the data directory's
 * {@code logs} folder, which the support package collects. One that Logback rejects (a syntax
 * error, an appender that cannot start) is reported in the log and replaced by the shipped
 * default, so the gateway never runs without its log. Uncaught exceptions are logged.
 *
 * <p>Until then, and in one-shot commands, {@link StartupConfigurator} logs to standard error
 * only; {@link #quiet} turns that down to warnings so a command's output is not buried.
 */
public final class LogSetup {
  /** Logback's own property naming a configuration file. */
  public static final String CONFIG_FILE_PROPERTY = "logback.configurationFile";
  /** The administrator's configuration in the data directory. */
  public static final String DATA_DIR_CONFIG = "logback.xml";
  /** The root level, for the startup configuration and the shipped one. */
  public static final String LEVEL_PROPERTY = "tiergate.log.level";
  /** The log folder, as configurations see it. */
  static final String LOGS_PROPERTY = "tiergate.logs";
  static final String SHIPPED = "/io/tiergate/gateway/logging/logback.xml";
  static final String PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSZ} [%thread] %level %logger{0} - %msg%n";

  private static final Logger log = LoggerFactory.getLogger(LogSetup.class);

  private LogSetup() {}

  /**
   * Applies the gateway's log configuration for {@code dataDir} and logs uncaught exceptions.
   *
   * @return where the configuration came from, for the log and the administrator
   * @throws IllegalStateException when the log folder cannot be created or not even the
   *     shipped configuration works
   */
  public static String forGateway(Path dataDir) {
    LoggerContext context = context();
    if (context == null) {
      log.warn("SLF4J is not bound to Logback: the gateway's log files are not configured");
      return "not Logback";
    }
    Path logs = dataDir.resolve("logs").toAbsolutePath();
    try {
      if (!Files.isDirectory(logs)) {
        Files.createDirectories(logs, PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString("rwx------")));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot create the log folder " + logs + ": "
          + e.getMessage(), e);
    }
    URL shipped = LogSetup.class.getResource(SHIPPED);
    String source = "the shipped default";
    URL chosen = shipped;
    String given = System.getProperty(CONFIG_FILE_PROPERTY);
    Path inData = dataDir.resolve(DATA_DIR_CONFIG);
    if (given != null && !given.isBlank()) {
      source = given;
      chosen = url(given);
    } else if (Files.isRegularFile(inData)) {
      source = inData.toAbsolutePath().toString();
      chosen = url(source);
    }
    List<String> problems = chosen == null ? List.of("not a readable file or URL")
        : apply(context, chosen, logs);
    if (!problems.isEmpty()) {
      List<String> again = apply(context, shipped, logs);
      if (!again.isEmpty()) {
        throw new IllegalStateException("the shipped log configuration failed: "
            + String.join("; ", again));
      }
      if (chosen != shipped) {
        log.error("log configuration {} is unusable, using the shipped default instead: {}",
            source, String.join("; ", problems));
        source = "the shipped default (" + source + " is unusable)";
      }
    }
    Thread.setDefaultUncaughtExceptionHandler((thread, e) ->
        log.error("uncaught exception in thread {}", thread.getName(), e));
    log.info("logging to {} and standard error; configuration: {}", logs, source);
    return source;
  }

  /** Warnings and errors only, unless {@code -Dtiergate.log.level} asks otherwise. */
  public static void quiet() {
    LoggerContext context = context();
    if (context != null && System.getProperty(LEVEL_PROPERTY) == null) {
      context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.WARN);
    }
  }

  /** Standard error only, at {@code -Dtiergate.log.level} (default INFO). */
  static void consoleOnly(LoggerContext context) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("console");
    console.setTarget("System.err");
    console.setEncoder(encoder);
    console.start();
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.addAppender(console);
    root.setLevel(Level.toLevel(System.getProperty(LEVEL_PROPERTY), Level.INFO));
  }

  /** Back to what the process had at start (for tests that changed it). */
  static void restartDefaults() throws JoranException {
    LoggerContext context = context();
    if (context != null) {
      context.reset();
      new ContextInitializer(context).autoConfig();
    }
  }

  /** Replaces the configuration; returns Logback's errors, none when it worked. */
  private static List<String> apply(LoggerContext context, URL config, Path logs) {
    context.reset();
    // Only this configuration's messages count (a failed one may have just been replaced).
    context.getStatusManager().clear();
    context.putProperty(LOGS_PROPERTY, logs.toString());
    JoranConfigurator joran = new JoranConfigurator();
    joran.setContext(context);
    List<String> problems = new ArrayList<>();
    try {
      joran.doConfigure(config);
    } catch (JoranException e) {
      problems.add(e.getMessage());
    }
    for (Status s : context.getStatusManager().getCopyOfStatusList()) {
      if (s.getLevel() >= Status.ERROR) {
        problems.add(s.getMessage() + (s.getThrowable() != null
            ? " (" + s.getThrowable().getMessage() + ")" : ""));
      }
    }
    if (problems.isEmpty() && !context.getLogger(Logger.ROOT_LOGGER_NAME).iteratorForAppenders()
        .hasNext()) {
      problems.add("the root logger has no appender");
    }
    return problems;
  }

  private static URL url(String fileOrUrl) {
    Path p = Path.of(fileOrUrl);
    try {
      if (Files.isReadable(p)) {
        return p.toUri().toURL();
      }
      return fileOrUrl.contains(":/") ? new URL(fileOrUrl) : null;
    } catch (MalformedURLException | IllegalArgumentException e) {
      return null;
    }
  }

  private static LoggerContext context() {
    ILoggerFactory f = LoggerFactory.getILoggerFactory();
    return f instanceof LoggerContext c ? c : null;
  }
}
