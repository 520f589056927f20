package io.tiergate.iscsi;

import static org.junit.jupiter.api.Assertions.fail;

import io.netty.buffer.AbstractByteBuf;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Turns Netty's leak reports into test failures: listens on the ByteBuf leak detector (run
 * the tests with {@code -Dio.netty.leakDetection.level=paranoid}) and fails
 * {@link #assertNoLeaks()} when any buffer was collected without being released.
 */
public final class LeakGuard {
  private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

  static {
    try {
      Field f = AbstractByteBuf.class.getDeclaredField("leakDetector");
      f.setAccessible(true);
      @SuppressWarnings("unchecked")
      ResourceLeakDetector<ByteBuf> detector = (ResourceLeakDetector<ByteBuf>) f.get(null);
      detector.setLeakListener((type, records) -> LEAKS.add(type + ": " + records));
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private LeakGuard() {}

  /** Makes sure the listener is installed (class initialisation does it). */
  public static void install() {
    // Class initialisation installs the listener.
  }

  /** Collects garbage, lets the detector look, and fails if any leak was reported. */
  public static void assertNoLeaks() {
    for (int round = 0; round < 5; round++) {
      System.gc();
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      // The detector reports collected leaks when it tracks a new buffer.
      for (int i = 0; i < 64; i++) {
        PooledByteBufAllocator.DEFAULT.directBuffer(16).release();
        UnpooledByteBufAllocator.DEFAULT.heapBuffer(16).release();
      }
    }
    if (!LEAKS.isEmpty()) {
      String report = String.join("\n", LEAKS);
      LEAKS.clear();
      fail("ByteBuf leak(s) reported:\n" + report);
    }
  }
}
