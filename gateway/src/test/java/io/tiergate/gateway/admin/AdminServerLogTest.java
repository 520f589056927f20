package io.tiergate.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The admin server says where it listens as a URL one can paste. */
class AdminServerLogTest {
  @TempDir
  Path tmp;

  @Test
  void theListeningLineIsAPastableUrl() throws Exception {
    Logger logger = (Logger) LoggerFactory.getLogger(AdminServer.class);
    ListAppender<ILoggingEvent> events = new ListAppender<>();
    events.start();
    Level before = logger.getLevel();
    logger.setLevel(Level.INFO);
    logger.addAppender(events);
    try (TestGateway gw = TestGateway.start(tmp)) {
      List<String> lines = events.list.stream().map(ILoggingEvent::getFormattedMessage)
          .filter(m -> m.startsWith("admin server listening on")).toList();
      assertEquals(List.of("admin server listening on https://127.0.0.1:" + gw.url.getPort()),
          lines);
      assertEquals(gw.url.toString(), "https://127.0.0.1:" + gw.url.getPort());
    } finally {
      logger.detachAppender(events);
      logger.setLevel(before);
    }
  }

  @Test
  void urlsOfWildcardAndIpv6Addresses() {
    assertEquals("https://127.0.0.1:8080", AdminServer.url(new InetSocketAddress(8080)));
    assertEquals("https://[0:0:0:0:0:0:0:1]:8443",
        AdminServer.url(new InetSocketAddress("::1", 8443)));
    assertEquals("https://10.1.2.3:443", AdminServer.url(new InetSocketAddress("10.1.2.3", 443)));
    assertTrue(AdminServer.url(new InetSocketAddress("127.0.0.1", 1)).indexOf("///") < 0);
  }
}
