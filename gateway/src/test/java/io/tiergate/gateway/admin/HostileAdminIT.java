package io.tiergate.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.gateway.admin.TestGateway.Reply;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin port as an attacker and an unlucky administrator meet it, against a real gateway
 * (engine on disk, iSCSI portal checked with libiscsi's {@code iscsi-inq}): every endpoint of
 * the route table against both roles and no credentials; parallel creates, changes and
 * deletes that must leave every volume's saved and served access in agreement; floods before
 * authentication (huge headers and bodies, many and slow connections) that must stay bounded
 * in bytes, time and heap while real logins go on working; the login limit under parallel
 * guesses; size and number bounds. Every loop is bounded, everything on loopback. A new
 * endpoint joins through the route table; a new bound joins here.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileAdminIT {
  private static final Logger log = LoggerFactory.getLogger(HostileAdminIT.class);
  static final String PASSWORD = "hostile admin pw 1";
  static final String INITIATOR = "iqn.2026-12.io.tiergate.test:hostile";
  static final String OTHER_INITIATOR = "iqn.2026-12.io.tiergate.test:other";
  static final Map<String, String> SECRETS = Map.of("ua", "secret-ua-1234", "ub",
      "secret-ub-5678");
  /** The request timeout this suite runs the admin server with, in seconds. */
  static final int TIMEOUT = 8;
  static final String IQN = "iqn.2026-11.io.tiergate:";

  @TempDir
  static Path tmp;
  static TestGateway gw;
  static String readOnly;
  static String adminToken;

  @BeforeAll
  static void start() throws Exception {
    System.setProperty("tiergate.admin.request-timeout-seconds", String.valueOf(TIMEOUT));
    gw = TestGateway.start(tmp.resolve("gw"));
    assertEquals(200, gw.admin("PUT", "/api/v1/security/password",
        "{\"new\":\"" + PASSWORD + "\"}").status());
    readOnly = (String) gw.admin("POST", "/api/v1/tokens",
        "{\"name\":\"monitor\",\"role\":\"read-only\"}").json().get("token");
    adminToken = (String) gw.admin("POST", "/api/v1/tokens",
        "{\"name\":\"scripts\",\"role\":\"admin\"}").json().get("token");
  }

  @AfterAll
  static void stop() {
    System.clearProperty("tiergate.admin.request-timeout-seconds");
    if (gw != null) {
      gw.close();
    }
  }

  // ------------------------------------------------------------------ the role table

  @Test
  @Order(1)
  void everyEndpointOfTheRouteTableAnswersEachRoleAsItsRowSays() {
    int admin = 0;
    for (Api.Route r : Api.ROUTES) {
      String what = r.method() + " " + r.template();
      // A change is never a read: whatever is not a GET needs an administrator (the login
      // aside, which needs nobody).
      if (!r.method().equals("GET")) {
        assertTrue(r.role() == Api.Role.ADMIN || r.role() == Api.Role.ANYONE, what);
      }
      // "nosuch" for a volume: a refusal must come from the role, not from a missing volume.
      String path = r.template().replace("{name}", "nosuch").replaceAll("\\{[a-z]+\\}", "tok-0");
      Reply none = gw.call(r.method(), path, null, "{}");
      Reply ro = gw.call(r.method(), path, readOnly, "{}");
      if (r.role() == Api.Role.ANYONE) {
        assertNotEquals(401, none.status(), what + ": " + none.body());
        continue;
      }
      assertEquals(401, none.status(), what + " without credentials: " + none.body());
      if (r.role() == Api.Role.ADMIN) {
        admin++;
        assertEquals(403, ro.status(), what + " with a read-only token: " + ro.body());
      } else {
        assertFalse(ro.status() == 401 || ro.status() == 403 || ro.status() >= 500,
            what + " with a read-only token: " + ro.status() + " " + ro.body());
      }
      Reply ad = gw.call(r.method(), path, adminToken, "{}");
      assertFalse(ad.status() == 401 || ad.status() == 403 || ad.status() >= 500,
          what + " with an admin token: " + ad.status() + " " + ad.body());
    }
    assertTrue(admin > 10, "the table has its admin rows");
    // What read-only means, said plainly: these reads, and not the bundle or the token list.
    for (String p : List.of("/api/v1/status", "/api/v1/volumes", "/api/v1/volumes/demo",
        "/api/v1/events", "/metrics", "/api/v1/whoami", "/api/v1/history", "/api/v1/cloud")) {
      assertEquals(200, gw.call("GET", p, readOnly, null).status(), p);
    }
    for (String p : List.of("/api/v1/support-bundle", "/api/v1/tokens")) {
      Reply r = gw.call("GET", p, readOnly, null);
      assertEquals(403, r.status(), p + ": " + r.body());
      assertFalse(r.body().contains("tok-"), "no token id leaks: " + r.body());
    }
  }

  // ------------------------------------------------------------------ concurrent changes

  static String volumeBody(String name, String user, List<String> acl) {
    return "{\"name\":\"" + name + "\",\"size\":\"64MiB\",\"acl\":" + Json.encode(acl)
        + ",\"chap\":{\"user\":\"" + user + "\",\"secret\":\"" + SECRETS.get(user) + "\"}}";
  }

  /** Whether iscsi-inq, as {@link #INITIATOR}, gets in with these CHAP credentials (or none). */
  static boolean inquiryWorks(String volume, String user) throws Exception {
    String auth = user == null ? "" : user + "%" + SECRETS.get(user) + "@";
    return VolumeExportIT.run("iscsi-inq", "-i", INITIATOR,
        "iscsi://" + auth + gw.portal() + "/" + IQN + volume + "/0") == 0;
  }

  @Test
  @Order(2)
  void parallelCreatesOfOneNameNeverLoseItsChap() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int round = 0; round < 25; round++) {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Reply>> both = new ArrayList<>();
        for (String user : List.of("ua", "ub")) {
          both.add(pool.submit(() -> {
            go.await();
            return gw.admin("POST", "/api/v1/volumes", volumeBody("race", user, List.of()));
          }));
        }
        go.countDown();
        List<Integer> statuses = new ArrayList<>();
        for (Future<Reply> f : both) {
          statuses.add(f.get(60, TimeUnit.SECONDS).status());
        }
        Collections.sort(statuses);
        assertEquals(List.of(201, 409), statuses, "round " + round);
        Map<String, Object> v = gw.admin("GET", "/api/v1/volumes/race", null).json();
        Map<?, ?> chap = (Map<?, ?>) v.get("chap");
        assertEquals(true, chap.get("enabled"), "round " + round + ": " + v);
        if (round % 5 == 0) {
          assertFalse(inquiryWorks("race", null), "round " + round + ": open without CHAP");
          assertTrue(inquiryWorks("race", (String) chap.get("user")), "round " + round);
        }
        assertEquals(204, gw.admin("DELETE", "/api/v1/volumes/race?force=true", null).status());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  @Order(3)
  void parallelCreatesChangesAndDeletesLeaveSavedAndServedAccessInAgreement() throws Exception {
    List<String> names = List.of("mix-0", "mix-1", "mix-2", "mix-3");
    int threads = 8;
    int opsEach = 30;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<List<String>>> results = new ArrayList<>();
    CountDownLatch go = new CountDownLatch(1);
    for (int t = 0; t < threads; t++) {
      Random rnd = new Random(1000 + t);
      results.add(pool.submit(() -> {
        go.await();
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < opsEach; i++) {
          String name = names.get(rnd.nextInt(names.size()));
          String user = rnd.nextBoolean() ? "ua" : "ub";
          List<String> acl = rnd.nextBoolean() ? List.of(INITIATOR)
              : List.of(INITIATOR, OTHER_INITIATOR);
          Reply r = switch (rnd.nextInt(5)) {
            case 0, 1 -> gw.admin("POST", "/api/v1/volumes", volumeBody(name, user, acl));
            case 2 -> gw.admin("PATCH", "/api/v1/volumes/" + name, "{\"chap\":{\"user\":\""
                + user + "\",\"secret\":\"" + SECRETS.get(user) + "\"}}");
            case 3 -> gw.admin("PATCH", "/api/v1/volumes/" + name, "{\"acl\":"
                + Json.encode(acl) + "}");
            default -> gw.admin("DELETE", "/api/v1/volumes/" + name + "?force=true", null);
          };
          if (!List.of(200, 201, 204, 404, 409).contains(r.status())) {
            bad.add(r.status() + " " + r.body());
          }
        }
        return bad;
      }));
    }
    go.countDown();
    for (Future<List<String>> f : results) {
      assertEquals(List.of(), f.get(300, TimeUnit.SECONDS));
    }
    pool.shutdown();
    Map<String, Map<?, ?>> before = checkEveryMixVolume(names);
    // What was saved is what a restart serves.
    gw.close();
    gw = TestGateway.start(tmp.resolve("gw"));
    Map<String, Map<?, ?>> after = checkEveryMixVolume(names);
    assertEquals(before, after, "saved and running access settings differ after a restart");
  }

  /**
   * Every mix volume is closed (all were created with CHAP, and no change removed it), not
   * locked, and the portal agrees: no login without CHAP, a login with the user it shows.
   */
  private static Map<String, Map<?, ?>> checkEveryMixVolume(List<String> names)
      throws Exception {
    Map<String, Map<?, ?>> seen = new java.util.TreeMap<>();
    for (String n : names) {
      Reply r = gw.admin("GET", "/api/v1/volumes/" + n, null);
      if (r.status() == 404) {
        assertFalse(inquiryWorks(n, null), n + " deleted but still served");
        continue;
      }
      assertEquals(200, r.status(), r.body());
      Map<String, Object> v = r.json();
      Map<?, ?> chap = (Map<?, ?>) v.get("chap");
      assertEquals(true, chap.get("enabled"), n + " lost its CHAP: " + v);
      assertEquals(false, v.get("accessLocked"), n + ": " + v);
      assertTrue(((List<?>) v.get("acl")).contains(INITIATOR), n + ": " + v);
      assertFalse(inquiryWorks(n, null), n + " admits a login without CHAP");
      assertTrue(inquiryWorks(n, (String) chap.get("user")), n + " refuses its own CHAP user");
      String other = chap.get("user").equals("ua") ? "ub" : "ua";
      assertFalse(inquiryWorks(n, other), n + " admits a CHAP user it no longer has");
      seen.put(n, Map.of("acl", v.get("acl"), "chap", chap));
    }
    return seen;
  }

  // ------------------------------------------------------------------ bounds

  @Test
  @Order(4)
  void sizesAndNumbersAreBounded() {
    for (String body : List.of("{\"name\":\"huge\",\"size\":\"4000PiB\"}",
        "{\"name\":\"huge\",\"size\":" + (1L << 62) + "}",
        "{\"name\":\"huge\",\"size\":" + Long.MAX_VALUE + "}",
        "{\"name\":\"huge\",\"size\":\"1000\"}")) {
      Reply r = gw.admin("POST", "/api/v1/volumes", body);
      assertEquals(400, r.status(), body + ": " + r.body());
      assertEquals("size", r.json().get("field"), r.body());
    }
    Reply grow = gw.admin("PATCH", "/api/v1/volumes/demo", "{\"size\":\"4000PiB\"}");
    assertEquals(400, grow.status(), grow.body());
    assertEquals("size", grow.json().get("field"));
    Map<?, ?> cap = (Map<?, ?>) gw.admin("GET", "/api/v1/status", null).json().get("capacity");
    long provisioned = ((Number) cap.get("provisionedBytes")).longValue();
    assertTrue(provisioned > 0 && provisioned < 1L << 40, cap.toString());
    // Numbers and nesting beyond any sense are a clear 400, never a 500.
    List<String> hostile = List.of("{\"name\":\"n\",\"size\":1" + "0".repeat(400) + "}",
        "{\"name\":\"n\",\"size\":1e400}", "[".repeat(10_000) + "]".repeat(10_000),
        "{\"name\":\"" + "n".repeat(60_000) + "\",\"size\":\"1GiB\"}");
    for (String body : hostile) {
      Reply r = gw.admin("POST", "/api/v1/volumes", body);
      assertEquals(400, r.status(), r.body());
    }
    Reply events = gw.admin("GET", "/api/v1/events?limit=100000000000000000000", null);
    assertEquals(400, events.status(), events.body());
  }

  @Test
  @Order(4)
  void bodiesThatAreNotStrictJsonAre400AndCreateNothing() throws Exception {
    List<String> bad = List.of(
        "{\"name\":\"j1\",\"name\":\"j2\",\"size\":\"64MiB\"}", // a member named twice
        "{\"name\":\"j1\",\"size\":\"64MiB\"} {\"name\":\"j2\"}", // a second value after it
        "{\"name\":\"j1\",\"size\":\"64MiB\"}x",
        "{\"name\":\"j1\",\"size\":9223372036854775808}", // 2^63
        "{\"name\":\"j1\",\"size\":1e999}",
        "{\"name\":\"j1\",\"size\":\"64MiB\",\"acl\":" + "[".repeat(65) + "]".repeat(65) + "}",
        "{\"name\":\"j1\",\"size\":0064}");
    for (String body : bad) {
      Reply r = gw.admin("POST", "/api/v1/volumes", body);
      assertEquals(400, r.status(), body + ": " + r.body());
      assertTrue(((String) r.json().get("error")).startsWith("invalid JSON at offset "),
          r.body());
    }
    // Malformed UTF-8 inside a string: decoded to U+FFFD, which no volume name admits.
    byte[] body = "{\"name\":\"j1?\",\"size\":\"64MiB\"}".getBytes(StandardCharsets.US_ASCII);
    body[11] = (byte) 0xc3;
    try (SSLSocket s = connect()) {
      OutputStream out = s.getOutputStream();
      out.write(("POST /api/v1/volumes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
          + gw.localToken + "\r\nContent-Type: application/json\r\nContent-Length: "
          + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      assertEquals(400, status(s));
    }
    String volumes = gw.admin("GET", "/api/v1/volumes", null).body();
    assertFalse(volumes.contains("\"j1") || volumes.contains("\"j2"), volumes);
    loginWorks();
  }

  // ------------------------------------------------------------------ before authentication

  private static SSLSocket connect() throws IOException {
    SSLContext ctx = TestGateway.trusting(gw.dataDir.resolve("admin/tls.crt"));
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket();
    s.connect(new InetSocketAddress(gw.url.getHost(), gw.url.getPort()), 5000);
    s.setSoTimeout(10_000);
    s.startHandshake();
    return s;
  }

  /** The status of the answer on {@code s}, or -1 when the server closed without one. */
  private static int status(SSLSocket s) throws IOException {
    byte[] head = new byte[12];
    InputStream in = s.getInputStream();
    int n = 0;
    try {
      while (n < head.length) {
        int r = in.read(head, n, head.length - n);
        if (r < 0) {
          return -1;
        }
        n += r;
      }
    } catch (IOException e) {
      return -1; // reset
    }
    return Integer.parseInt(new String(head, 9, 3, StandardCharsets.US_ASCII));
  }

  /** Heap in use plus Netty's pooled buffers (where received bytes wait, off the heap). */
  private static long memoryInUse() {
    Runtime rt = Runtime.getRuntime();
    long used = rt.totalMemory() - rt.freeMemory();
    if (io.netty.buffer.ByteBufAllocator.DEFAULT
        instanceof io.netty.buffer.ByteBufAllocatorMetricProvider p) {
      used += p.metric().usedDirectMemory() + p.metric().usedHeapMemory();
    }
    return used;
  }

  /** Whether the server has closed {@code s}, waiting at most {@code millis}. */
  private static boolean closedWithin(Socket s, long millis) throws IOException {
    long end = System.nanoTime() + millis * 1_000_000;
    InputStream in = s.getInputStream();
    while (System.nanoTime() < end) {
      s.setSoTimeout((int) Math.max(1, Math.min(500, (end - System.nanoTime()) / 1_000_000)));
      try {
        if (in.read() < 0) {
          return true;
        }
      } catch (SocketTimeoutException e) {
        // still open
      } catch (IOException e) {
        return true;
      }
    }
    return false;
  }

  private static void loginWorks() {
    Reply r = gw.call("POST", "/api/v1/login", null, "{\"password\":\"" + PASSWORD + "\"}");
    assertEquals(200, r.status(), r.body());
  }

  @Test
  @Order(5)
  void hugeHeadersAndBodiesAreRefusedEarly() throws Exception {
    int st = sendWhole("GET /api/v1/status HTTP/1.1\r\nHost: x\r\nX-Big: "
        + "a".repeat(100_000) + "\r\n\r\n");
    assertTrue(st == -1 || st == 400 || st == 431, "huge header: " + st);
    st = sendWhole("GET /api/v1/" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    assertTrue(st == -1 || st == 400 || st == 414, "huge request line: " + st);
    // A body announced beyond the limit is refused on its headers, before any of it is read.
    try (SSLSocket s = connect()) {
      OutputStream out = s.getOutputStream();
      out.write(("POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          + "Content-Length: 104857600\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertEquals(413, status(s));
    }
    // A chunked body is cut off once it passes the limit.
    try (SSLSocket s = connect()) {
      OutputStream out = s.getOutputStream();
      out.write(("POST /api/v1/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = ("4000\r\n" + "x".repeat(0x4000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
      st = -1;
      try {
        for (int i = 0; i < 64; i++) { // 1 MiB at most
          out.write(chunk);
        }
        out.flush();
        st = status(s);
      } catch (IOException e) {
        // closed while we were still sending: refused too
      }
      assertTrue(st == -1 || st == 413, "chunked flood: " + st);
    }
    loginWorks();
  }

  /**
   * Sends {@code request} on a new connection and reads the status; -1 when the server closed
   * the connection first, even while the request was still being sent (refused early too).
   */
  private int sendWhole(String request) throws Exception {
    try (SSLSocket s = connect()) {
      try {
        OutputStream out = s.getOutputStream();
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
      } catch (IOException e) {
        return -1;
      }
      return status(s);
    }
  }

  @Test
  @Order(6)
  void connectionsBeyondTheLimitAreClosedAndIdleOnesTimeOut() throws Exception {
    // Plain TCP: the limit acts on accepting, before any TLS, and a flooder need not shake
    // hands (which also keeps the flood fast enough to tell the limit from the timeout).
    List<Socket> flood = new ArrayList<>();
    try {
      long t0 = System.nanoTime();
      for (int i = 0; i < AdminServer.MAX_CONNECTIONS + 40; i++) {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(gw.url.getHost(), gw.url.getPort()), 5000);
        flood.add(s);
      }
      Thread.sleep(500); // for the refusals to arrive
      int closedAtOnce = 0;
      for (Socket s : flood) {
        if (closedWithin(s, 1)) {
          closedAtOnce++;
        }
      }
      long openingMillis = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(openingMillis < (TIMEOUT - 1) * 1000L, "opening the connections took "
          + openingMillis + " ms, too long to tell the limit from the timeout");
      log.info("connection flood: {} of {} connections closed at once", closedAtOnce,
          flood.size());
      assertTrue(closedAtOnce >= 40 && closedAtOnce <= 50, closedAtOnce + " of "
          + flood.size() + " connections were closed at once (limit "
          + AdminServer.MAX_CONNECTIONS + ")");
      // Idle connections that send nothing are closed after the request timeout.
      t0 = System.nanoTime();
      for (Socket s : flood) {
        assertTrue(closedWithin(s, (TIMEOUT + 5) * 1000L), "an idle connection stayed open");
      }
      long idleMillis = (System.nanoTime() - t0) / 1_000_000;
      log.info("connection flood: every idle connection closed {} ms later", idleMillis);
      assertTrue(idleMillis < (TIMEOUT + 10) * 1000L);
    } finally {
      for (Socket s : flood) {
        s.close();
      }
    }
    loginWorks();
  }

  @Test
  @Order(7)
  void slowClientsAreCutOffWhileLoginsGoOnAndTheHeapStaysBounded() throws Exception {
    System.gc();
    long heapBefore = memoryInUse();
    List<SSLSocket> slow = new ArrayList<>();
    List<SSLSocket> bodies = new ArrayList<>();
    try {
      // 40 clients that trickle a request's headers, one byte at a time.
      for (int i = 0; i < 40; i++) {
        SSLSocket s = connect();
        s.getOutputStream().write("POST /api/v1/login HTTP/1.1\r\nHost: x\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        slow.add(s);
      }
      // 100 clients that each send all but the last byte of a 1 MiB body.
      byte[] mb = new byte[1 << 20];
      java.util.Arrays.fill(mb, (byte) 'x');
      for (int i = 0; i < 100; i++) {
        SSLSocket s = connect();
        try {
          OutputStream out = s.getOutputStream();
          out.write(("POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Length: " + mb.length
              + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
          out.write(mb, 0, mb.length - 1);
          out.flush();
        } catch (IOException e) {
          // refused while sending: as good
        }
        bodies.add(s);
      }
      System.gc();
      long heapDuring = memoryInUse();
      log.info("body flood: heap and buffers grew by {} MiB", (heapDuring - heapBefore) >> 20);
      assertTrue(heapDuring - heapBefore < 48L << 20, "heap and buffers grew by "
          + ((heapDuring - heapBefore) >> 20) + " MiB for 100 MiB of unfinished bodies");
      long t0 = System.nanoTime();
      int ticks = 0;
      List<SSLSocket> open = new ArrayList<>(slow);
      // Keep trickling; a real login must work meanwhile, and every slow client must be cut
      // off within the request timeout (plus slack) however busily it trickles.
      while (!open.isEmpty() && System.nanoTime() - t0 < (TIMEOUT + 6) * 1_000_000_000L) {
        for (SSLSocket s : new ArrayList<>(open)) {
          try {
            s.getOutputStream().write('X');
            s.getOutputStream().flush();
          } catch (IOException e) {
            open.remove(s);
          }
        }
        if (ticks++ == 2) {
          loginWorks();
        }
        Thread.sleep(250);
      }
      for (SSLSocket s : open) {
        assertTrue(closedWithin(s, 1000), "a slow client was never cut off");
      }
      log.info("slow clients: the last cut off {} ms into the trickle loop",
          (System.nanoTime() - t0) / 1_000_000);
      for (SSLSocket s : bodies) {
        assertTrue(closedWithin(s, (TIMEOUT + 5) * 1000L), "an unfinished body stayed open");
      }
    } finally {
      for (SSLSocket s : slow) {
        s.close();
      }
      for (SSLSocket s : bodies) {
        s.close();
      }
    }
    loginWorks();
  }

  // ------------------------------------------------------------------ rate limit (last: it
  // locks this address out of logins for a minute)

  @Test
  @Order(100)
  void parallelWrongLoginsGetAtMostTheLimitOfTries() throws Exception {
    int n = 20;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Integer>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int k = i;
      all.add(pool.submit(() -> {
        go.await();
        return gw.call("POST", "/api/v1/login", null, "{\"password\":\"wrong " + k + "\"}")
            .status();
      }));
    }
    go.countDown();
    int unauthorized = 0;
    int limited = 0;
    for (Future<Integer> f : all) {
      int st = f.get(120, TimeUnit.SECONDS);
      if (st == 401) {
        unauthorized++;
      } else if (st == 429) {
        limited++;
      } else {
        throw new AssertionError("unexpected status " + st);
      }
    }
    pool.shutdown();
    assertTrue(unauthorized >= 1 && unauthorized <= AccessControl.MAX_FAILURES,
        unauthorized + " passwords were tried (limit " + AccessControl.MAX_FAILURES + ")");
    assertEquals(n, unauthorized + limited);
    // The right password waits out the window too: nothing is learnt by guessing on.
    assertEquals(429, gw.call("POST", "/api/v1/login", null,
        "{\"password\":\"" + PASSWORD + "\"}").status());
    // Tokens still work: the limit is on guessing the password, not on the API.
    assertEquals(200, gw.call("GET", "/api/v1/status", adminToken, null).status());
  }
}
