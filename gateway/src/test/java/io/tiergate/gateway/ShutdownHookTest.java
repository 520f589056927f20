package io.tiergate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The exit status of {@code tiergate run} follows how the gateway closed. */
class ShutdownHookTest {

  @Test
  void aCleanCloseIsStatusZeroAndAFailedOneIsNot() {
    AtomicInteger closes = new AtomicInteger();
    assertEquals(0, ShutdownHook.closeReportingStatus(closes::incrementAndGet));
    assertEquals(1, closes.get());
    assertEquals(1, ShutdownHook.closeReportingStatus(() -> {
      closes.incrementAndGet();
      throw new IllegalStateException("the database could not be closed");
    }));
    assertEquals(2, closes.get());
  }
}
