package io.tiergate.gateway.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's log configuration applied to a real data directory: the shipped default's
 * rolling file, an administrator's {@code DATA/logback.xml} and {@code
 * -Dlogback.configurationFile}, the fallback for a broken one, owner-only files, rotation that
 * keeps the newest lines, and uncaught exceptions in the log.
 */
class LogSetupTest {
  private static final Logger log = LoggerFactory.getLogger("io.tiergate.gateway.LogSetupTest");

  @TempDir
  Path data;
  private Thread.UncaughtExceptionHandler handler;

  @BeforeEach
  void saveHandler() {
    handler = Thread.getDefaultUncaughtExceptionHandler();
  }

  @AfterEach
  void restore() throws Exception {
    System.clearProperty(LogSetup.CONFIG_FILE_PROPERTY);
    Thread.setDefaultUncaughtExceptionHandler(handler);
    LogSetup.restartDefaults();
  }

  private Path logs() {
    return data.resolve("logs");
  }

  private static String perms(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private static String shipped() throws Exception {
    try (InputStream in = LogSetup.class.getResourceAsStream(LogSetup.SHIPPED)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void theShippedDefaultRollsDataLogsGatewayLogAtFourMibKeepingFour() throws Exception {
    assertEquals("the shipped default", LogSetup.forGateway(data));
    log.info("hello from the gateway");
    Path file = logs().resolve("gateway.log");
    assertTrue(Files.readString(file).contains("INFO LogSetupTest - hello from the gateway"),
        Files.readString(file));
    assertEquals("rw-------", perms(file));
    assertEquals("rwx------", perms(logs()));

    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    Appender<?> a = ctx.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("file");
    RollingFileAppender<?> rolling = assertInstanceOf(OwnerOnlyRollingFileAppender.class, a);
    assertEquals(file.toAbsolutePath().toString(), rolling.getFile());
    var size = assertInstanceOf(SizeBasedTriggeringPolicy.class, rolling.getTriggeringPolicy());
    assertEquals(4L << 20, size.getMaxFileSize().getSize());
    var window = assertInstanceOf(FixedWindowRollingPolicy.class, rolling.getRollingPolicy());
    assertEquals(1, window.getMinIndex());
    assertEquals(4, window.getMaxIndex());
    assertTrue(window.getFileNamePattern().endsWith("/logs/gateway.%i.log"));
    assertTrue(ctx.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("console") != null,
        "standard error too");
  }

  @Test
  void rotationKeepsTheNewestWholeLinesInOwnerOnlyFiles() throws Exception {
    // The administrator's copy of the shipped file, with a small size and count.
    String small = shipped().replace("<maxFileSize>4MB</maxFileSize>",
        "<maxFileSize>1KB</maxFileSize>").replace("<maxIndex>4</maxIndex>",
        "<maxIndex>2</maxIndex>");
    Files.writeString(data.resolve("logback.xml"), small);
    assertEquals(data.resolve("logback.xml").toAbsolutePath().toString(),
        LogSetup.forGateway(data));
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      String line = "line " + i + " " + "x".repeat(40);
      lines.add(line);
      log.info(line);
    }
    assertTrue(Files.exists(logs().resolve("gateway.log")));
    assertTrue(Files.exists(logs().resolve("gateway.1.log")));
    assertTrue(Files.exists(logs().resolve("gateway.2.log")));
    assertFalse(Files.exists(logs().resolve("gateway.3.log")), "keeps only two older files");
    List<String> kept = new ArrayList<>();
    for (String name : List.of("gateway.2.log", "gateway.1.log", "gateway.log")) {
      Path p = logs().resolve(name);
      String text = Files.readString(p);
      assertTrue(text.endsWith("\n"), name + " ends mid-line");
      assertTrue(text.length() <= 1024 + 200, name + " is too long: " + text.length());
      assertEquals("rw-------", perms(p), name);
      for (String l : text.split("\n")) {
        if (l.contains(" - line ")) {
          kept.add(l.substring(l.indexOf(" - line ") + 3));
        }
      }
    }
    // The newest lines, whole and in order, ending with the last one written.
    assertFalse(kept.isEmpty());
    assertEquals(lines.subList(lines.size() - kept.size(), lines.size()), kept);
    assertTrue(kept.size() < lines.size(), "older lines were dropped");
  }

  @Test
  void appendsAcrossRestarts() throws Exception {
    LogSetup.forGateway(data);
    log.info("first run");
    LogSetup.forGateway(data);
    log.info("second run");
    String text = Files.readString(logs().resolve("gateway.log"));
    assertTrue(text.indexOf("first run") >= 0 && text.indexOf("first run")
        < text.indexOf("second run"), text);
  }

  @Test
  void theConfigurationFilePropertyWinsOverTheDataDirectory() throws Exception {
    Files.writeString(data.resolve("logback.xml"), shipped());
    Path custom = data.resolve("custom.xml");
    Files.writeString(custom, shipped().replace("${tiergate.logs}/gateway.log",
        "${tiergate.logs}/custom.log"));
    System.setProperty(LogSetup.CONFIG_FILE_PROPERTY, custom.toString());
    assertEquals(custom.toString(), LogSetup.forGateway(data));
    log.info("to the custom file");
    assertTrue(Files.readString(logs().resolve("custom.log")).contains("to the custom file"));
    assertEquals("rw-------", perms(logs().resolve("custom.log")));
    assertFalse(Files.exists(logs().resolve("gateway.log")));
  }

  @Test
  void aBrokenConfigurationFallsBackToTheShippedOneAndSaysSo() throws Exception {
    Files.writeString(data.resolve("logback.xml"), "<configuration><appender name=\"x\" "
        + "class=\"no.such.Appender\"/><root><appender-ref ref=\"x\"/></root></configuration>");
    String source = LogSetup.forGateway(data);
    assertTrue(source.startsWith("the shipped default ("), source);
    log.info("still logged");
    String text = Files.readString(logs().resolve("gateway.log"));
    assertTrue(text.contains("still logged"), text);
    assertTrue(text.contains("logback.xml is unusable, using the shipped default"), text);
  }

  @Test
  void uncaughtExceptionsReachTheLog() throws Exception {
    LogSetup.forGateway(data);
    Thread t = new Thread(() -> {
      throw new IllegalStateException("boom-4711");
    }, "doomed-worker");
    t.start();
    t.join();
    String text = Files.readString(logs().resolve("gateway.log"));
    assertTrue(text.contains("uncaught exception in thread doomed-worker"), text);
    assertTrue(text.contains("java.lang.IllegalStateException: boom-4711"), text);
    assertTrue(text.contains("at io.tiergate.gateway.logging.LogSetupTest"), "stack trace");
  }
}
