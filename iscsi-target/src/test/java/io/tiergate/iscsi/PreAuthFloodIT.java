package io.tiergate.iscsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.iscsi.device.MemoryBlockDevice;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Many unauthenticated connections at once flood a real target on loopback with what costs it
 * memory if unbounded: endless Login PDUs with the C bit, Text PDUs with the C bit and
 * requests full of keys on discovery sessions (which need no login secret here), oversized and
 * garbage PDUs, and connections that stall halfway through a header. Meanwhile a healthy
 * session writes and reads, and libiscsi's {@code iscsi-inq} logs in over and over. The heap in
 * use after a collection must stay within {@link #HEAP_GROWTH_LIMIT} of where it started, and
 * every healthy operation must succeed during and after the flood.
 *
 * <p>Bounded: {@link #FLOODERS} connections at a time for {@link #FLOOD_SECONDS} seconds
 * ({@code -Dflood.connections=N -Dflood.seconds=N}), loopback only.
 */
class PreAuthFloodIT {
  private static final Logger log = LoggerFactory.getLogger(PreAuthFloodIT.class);
  static final String IQN = "iqn.2026-01.io.tiergate:it-flood";
  static final int FLOODERS = Integer.getInteger("flood.connections", 24);
  static final int FLOOD_SECONDS = Integer.getInteger("flood.seconds", 10);
  static final long HEAP_GROWTH_LIMIT = 48L << 20;
  static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);

  static {
    LeakGuard.install();
  }

  static MemoryBlockDevice lun;
  static IscsiServer server;

  @BeforeAll
  static void start() {
    lun = new MemoryBlockDevice(16L << 20, 512);
    server = IscsiServer.start(TargetConfig.builder().target(IQN, lun, null).queueDepth(16)
        .build(), "127.0.0.1", 0);
  }

  @AfterAll
  static void stop() {
    server.close();
    lun.close();
    LeakGuard.assertNoLeaks();
  }

  @Test
  void floodsBeforeAuthenticationStayBoundedAndHealthySessionsKeepWorking() throws Exception {
    Counters counters = new Counters();
    long baseline = usedHeapAfterGc();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(FLOODERS * 2 + 2);
    List<Future<?>> flooders = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(FLOOD_SECONDS);
    for (int i = 0; i < FLOODERS; i++) {
      int kind = i % 5;
      long seed = 20261204L + i;
      flooders.add(pool.submit(() -> {
        Random random = new Random(seed);
        while (!stop.get() && System.nanoTime() < deadline) {
          try {
            flood(kind, random, deadline, counters, pool);
          } catch (IOException expected) {
            // The target closing or resetting an abusive connection is the right answer.
            counters.closed.incrementAndGet();
          }
        }
        return null;
      }));
    }
    long peak = baseline;
    int inquiries = 0;
    try (TestInitiator healthy = TestInitiator.connect(server.port(), 20_000)) {
      assertEquals(0, healthy.login("iqn.2026-01.io.tiergate:healthy", 0x400000000100L, IQN)
          .byteAt(36));
      Random random = new Random(7);
      while (System.nanoTime() < deadline) {
        check(healthy, random);
        Tool.Result inq = Tool.run(TOOL_TIMEOUT, "iscsi-inq",
            "iscsi://127.0.0.1:" + server.port() + "/" + IQN + "/0");
        assertTrue(inq.ok(), "iscsi-inq during the flood: " + inq.output());
        assertTrue(inq.output().contains("Peripheral Device Type:DIRECT_ACCESS"), inq.output());
        inquiries++;
        peak = Math.max(peak, usedHeapAfterGc());
      }
      stop.set(true);
      for (Future<?> f : flooders) {
        f.get(60, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS), "flood threads ended");
      check(healthy, random);
    }
    long after = usedHeapAfterGc();
    Tool.Result inq = Tool.run(TOOL_TIMEOUT, "iscsi-inq",
        "iscsi://127.0.0.1:" + server.port() + "/" + IQN + "/0");
    assertTrue(inq.ok(), "iscsi-inq after the flood: " + inq.output());
    log.info("flood: {} connections, {} MiB sent, {} login rejects, {} closed by the target, "
        + "{} healthy iscsi-inq runs; heap after GC {} MiB at start, {} MiB at peak, {} MiB "
        + "after", counters.connections.get(), counters.bytesSent.get() >> 20,
        counters.loginRejects.get(), counters.closed.get(), inquiries, baseline >> 20,
        peak >> 20, after >> 20);
    assertTrue(peak - baseline < HEAP_GROWTH_LIMIT, "heap grew by " + ((peak - baseline) >> 20)
        + " MiB during the flood");
    assertTrue(after - baseline < HEAP_GROWTH_LIMIT, "heap grew by " + ((after - baseline) >> 20)
        + " MiB after the flood");
    assertTrue(counters.loginRejects.get() > 0, "the login text bound was reached");
    assertTrue(counters.bytesSent.get() > 64L << 20, "the flood sent enough to matter: "
        + counters.bytesSent.get());
  }

  /** What the flood did, for the assertions and the log. */
  static final class Counters {
    final AtomicLong connections = new AtomicLong();
    final AtomicLong bytesSent = new AtomicLong();
    final AtomicLong loginRejects = new AtomicLong();
    final AtomicLong closed = new AtomicLong();
  }

  /** One abusive connection of the given kind, until the target closes it or time is up. */
  private static void flood(int kind, Random random, long deadline, Counters counters,
      ExecutorService pool) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
      socket.setSoTimeout(2000);
      counters.connections.incrementAndGet();
      OutputStream out = socket.getOutputStream();
      // Read and count what the target answers, so that it never waits on a full socket.
      Future<?> reader = pool.submit(() -> drain(socket.getInputStream(), counters));
      try {
        switch (kind) {
          case 0 -> loginContinuations(out, deadline, counters);
          case 1 -> discoveryTextFlood(out, random, deadline, counters);
          case 2 -> {
            byte[] junk = new byte[4096];
            random.nextBytes(junk);
            send(out, junk, counters);
          }
          case 3 -> // A login whose data segment exceeds what login allows: dropped at once.
              send(out, new PduBuilder(0x03).immediate().flags(0x87).itt(1)
                  .data(new byte[65536]).bytes(), counters);
          default -> { // Half a header, then silence for a while.
            send(out, new byte[20], counters);
            sleepUntil(Math.min(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(2)));
          }
        }
      } finally {
        socket.shutdownOutput();
        try {
          reader.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
          reader.cancel(true);
        }
      }
    }
  }

  /** Login Requests with the C bit, 8 KiB of text each, as long as the target takes them. */
  private static void loginContinuations(OutputStream out, long deadline, Counters counters)
      throws IOException {
    byte[] text = new byte[8192];
    Arrays.fill(text, (byte) 'x');
    byte[] pdu = new PduBuilder(0x03).immediate().flags(0x40 | 0x04).itt(1).data(text).bytes();
    while (System.nanoTime() < deadline) {
      send(out, pdu, counters);
    }
  }

  /** A discovery login, then continued text, many keys and unfinished SendTargets. */
  private static void discoveryTextFlood(OutputStream out, Random random, long deadline,
      Counters counters) throws IOException {
    send(out, new PduBuilder(0x03).immediate().flags(0x87).itt(1).word(24, 1)
        .text("InitiatorName=iqn.2026-01.io.tiergate:flooder", "SessionType=Discovery",
            "MaxRecvDataSegmentLength=262144").bytes(), counters);
    byte[] segment = new byte[262144];
    Arrays.fill(segment, (byte) 'y');
    String[] keys = new String[2000];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = "X-flood-" + i + "=" + i;
    }
    byte[][] pdus = {
        new PduBuilder(0x04).immediate().flags(0x40).itt(2).word(20, -1).word(24, 2)
            .data(segment).bytes(),
        new PduBuilder(0x04).immediate().flags(0x80).itt(3).word(20, -1).word(24, 2)
            .text(keys).bytes(),
        new PduBuilder(0x04).immediate().flags(0x80).itt(4).word(20, -1).word(24, 2)
            .text("SendTargets=All").bytes()};
    while (System.nanoTime() < deadline) {
      send(out, pdus[random.nextInt(pdus.length)], counters);
    }
  }

  private static void send(OutputStream out, byte[] bytes, Counters counters)
      throws IOException {
    out.write(bytes);
    out.flush();
    counters.bytesSent.addAndGet(bytes.length);
  }

  /** Reads PDUs until the stream ends, counting Login Responses with an initiator error. */
  private static Void drain(InputStream in, Counters counters) {
    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(FLOOD_SECONDS + 30);
    while (System.nanoTime() < giveUp) {
      try {
        RawPdu pdu = RawPdu.read(in, false, false);
        if (pdu.opcode() == 0x23 && pdu.byteAt(36) == 0x02) {
          counters.loginRejects.incrementAndGet();
        }
      } catch (SocketTimeoutException quiet) {
        // Nothing to read for now (a stalled connection): keep reading until it ends.
      } catch (IOException endOfStream) {
        // The target closed the connection.
        return null;
      }
    }
    return null;
  }

  private static void sleepUntil(long nanoTime) {
    long left;
    while ((left = nanoTime - System.nanoTime()) > 0) {
      try {
        TimeUnit.NANOSECONDS.sleep(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /** The healthy session writes a few random blocks and reads them back. */
  private static void check(TestInitiator healthy, Random random) throws IOException {
    byte[] data = new byte[4096];
    random.nextBytes(data);
    long lba = random.nextInt(1000) * 8L;
    TestInitiator.Result w = healthy.command(FuzzIT.write10(lba, 8), false, data.length, data);
    assertEquals(0, w.status(), "healthy write");
    TestInitiator.Result r = healthy.command(FuzzIT.read10(lba, 8), true, data.length, null);
    assertEquals(0, r.status(), "healthy read");
    assertArrayEquals(data, r.data());
  }

  /** Heap in use after collections, the figure that unbounded per-connection state raises. */
  private static long usedHeapAfterGc() throws InterruptedException {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
