package io.tiergate.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tiergate.gateway.admin.TestGateway.Reply;
import io.tiergate.gateway.engine.Volume;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local snapshot endpoints against a real gateway: take (one volume, a consistency
 * group), list, show, delete, clone and restore, their errors (400 naming the field, 404,
 * 409), the audit trail and the {@code tiergate_snapshots} gauge, and parallel callers of
 * every state-changing call. Each test works on volumes of its own.
 */
class SnapshotApiTest {
  @TempDir
  static Path tmp;
  static TestGateway gw;

  @BeforeAll
  static void start() throws Exception {
    gw = TestGateway.start(tmp);
  }

  @AfterAll
  static void stop() {
    if (gw != null) {
      gw.close();
    }
  }

  private static void assertError(Reply r, int status, String code, String field) {
    assertEquals(status, r.status(), r.body());
    Map<String, Object> m = r.json();
    assertNotNull(m.get("error"), r.body());
    if (code != null) {
      assertEquals(code, m.get("code"), r.body());
    }
    assertEquals(field, m.get("field"), r.body());
    assertFalse(r.body().contains("Exception"), "a Java exception leaked: " + r.body());
  }

  private static void newVolume(String name) {
    Reply r = gw.admin("POST", "/api/v1/volumes", "{\"name\":\"" + name + "\",\"size\":\"16MiB\"}");
    assertEquals(201, r.status(), r.body());
  }

  private static long snapshot(String volume, String description) {
    Reply r = gw.admin("POST", "/api/v1/volumes/" + volume + "/snapshots",
        description == null ? null : "{\"description\":\"" + description + "\"}");
    assertEquals(201, r.status(), r.body());
    return ((Number) r.json().get("id")).longValue();
  }

  private static Volume engineVolume(String name) {
    return gw.gateway.engine().volume(name);
  }

  private static void fill(String volume, byte value) {
    byte[] b = new byte[64 << 10];
    Arrays.fill(b, value);
    engineVolume(volume).write(0, Unpooled.wrappedBuffer(b), true);
  }

  private static byte firstByte(String volume) {
    ByteBuf out = Unpooled.buffer(512);
    try {
      engineVolume(volume).read(0, 1, out);
      return out.getByte(0);
    } finally {
      out.release();
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(String path) {
    Reply r = gw.admin("GET", path, null);
    assertEquals(200, r.status(), r.body());
    return (List<Map<String, Object>>) r.json().get("snapshots");
  }

  private static String events() {
    return gw.admin("GET", "/api/v1/events?category=audit&limit=1000", null).body();
  }

  private static double gauge(String volume) {
    String scrape = gw.admin("GET", "/metrics", null).body();
    for (String line : scrape.split("\n")) {
      if (line.startsWith("tiergate_snapshots{") && line.contains("volume=\"" + volume + "\"")
          && line.contains("type=\"local\"")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError("no tiergate_snapshots for " + volume + " in\n" + scrape);
  }

  @Test
  void takeListShowAndDeleteWithAuditAndGauge() {
    newVolume("snap1");
    assertEquals(0.0, gauge("snap1"));
    long a = snapshot("snap1", "before upgrade");
    long b = snapshot("snap1", null);
    assertNotEquals(a, b);
    List<Map<String, Object>> of = list("/api/v1/volumes/snap1/snapshots");
    assertEquals(2, of.size());
    assertEquals("before upgrade", of.get(0).get("description"));
    assertEquals("local", of.get(0).get("type"));
    assertEquals("snap1", of.get(0).get("volume"));
    assertEquals(2, list("/api/v1/snapshots?volume=snap1").size());
    assertTrue(list("/api/v1/snapshots").size() >= 2);
    assertEquals(2.0, gauge("snap1"));
    Reply one = gw.admin("GET", "/api/v1/snapshots/" + a, null);
    assertEquals(200, one.status(), one.body());
    assertEquals(0L, one.json().get("exclusiveBytes"));
    assertEquals(204, gw.admin("DELETE", "/api/v1/snapshots/" + a, null).status());
    assertError(gw.admin("GET", "/api/v1/snapshots/" + a, null), 404, "not_found", null);
    assertError(gw.admin("DELETE", "/api/v1/snapshots/" + a, null), 404, "not_found", null);
    assertEquals(1, list("/api/v1/volumes/snap1/snapshots").size());
    assertEquals(1.0, gauge("snap1"));
    String audit = events();
    assertTrue(audit.contains("took snapshot " + a + " of volume snap1 (before upgrade)"), audit);
    assertTrue(audit.contains("deleted snapshot " + a + " of volume snap1"), audit);
  }

  @Test
  void badBodiesAndUnknownThingsAreRefusedWithTheField() {
    newVolume("snapbad");
    assertError(gw.admin("POST", "/api/v1/volumes/snapbad/snapshots", "{\"cloud\":true}"), 400,
        null, "cloud");
    assertError(gw.admin("POST", "/api/v1/volumes/snapbad/snapshots",
        "{\"description\":\"" + "x".repeat(1025) + "\"}"), 400, null, "description");
    assertError(gw.admin("POST", "/api/v1/volumes/nosuch/snapshots", null), 404, "not_found",
        null);
    assertError(gw.admin("GET", "/api/v1/snapshots?volume=nosuch", null), 404, null, null);
    assertError(gw.admin("GET", "/api/v1/snapshots/abc", null), 404, null, null);
    assertError(gw.admin("GET", "/api/v1/snapshots/999999", null), 404, null, null);
    assertError(gw.admin("POST", "/api/v1/snapshots", "{}"), 400, null, "volumes");
    assertError(gw.admin("POST", "/api/v1/snapshots", "{\"volumes\":[\"snapbad\",\"SNAPBAD\"]}"),
        400, null, "volumes");
    assertError(gw.admin("POST", "/api/v1/snapshots", "{\"volumes\":[\"snapbad\",\"nosuch\"]}"),
        404, null, null);
    long s = snapshot("snapbad", null);
    assertError(gw.admin("POST", "/api/v1/snapshots/" + s + "/clone", "{}"), 400, null, "name");
    assertError(gw.admin("POST", "/api/v1/snapshots/" + s + "/clone",
        "{\"name\":\"snapbad-c\"}"), 400, null, "acl");
    assertError(gw.admin("POST", "/api/v1/snapshots/" + s + "/clone",
        "{\"name\":\"snapbad-c\",\"acl\":[],\"size\":\"1GiB\"}"), 400, null, "size");
    assertError(gw.admin("POST", "/api/v1/snapshots/" + s + "/clone",
        "{\"name\":\"Bad Name\",\"acl\":[]}"), 400, null, "name");
    assertError(gw.admin("POST", "/api/v1/snapshots/" + s + "/clone",
        "{\"name\":\"snapbad\",\"acl\":[]}"), 409, "volume_exists", null);
    assertError(gw.admin("POST", "/api/v1/snapshots/999999/clone",
        "{\"name\":\"snapbad-c\",\"acl\":[]}"), 404, null, null);
    assertEquals(404, gw.admin("GET", "/api/v1/volumes/snapbad-c", null).status());
    assertError(gw.admin("POST", "/api/v1/volumes/snapbad/restore", "{}"), 400, null,
        "snapshot");
    assertError(gw.admin("POST", "/api/v1/volumes/snapbad/restore",
        "{\"snapshot\":" + s + ",\"now\":true}"), 400, null, "now");
    assertError(gw.admin("POST", "/api/v1/volumes/snapbad/restore",
        "{\"snapshot\":\"x\"}"), 400, null, "snapshot");
    assertError(gw.admin("POST", "/api/v1/volumes/snapbad/restore",
        "{\"snapshot\":" + s + ",\"force\":\"yes\"}"), 400, null, "force");
    newVolume("snapbad2");
    assertError(gw.admin("POST", "/api/v1/volumes/snapbad2/restore",
        "{\"snapshot\":" + s + "}"), 400, null, "snapshot");
  }

  @Test
  void aConsistencyGroupIsOneInstantOfEveryVolume() {
    newVolume("grp-a");
    newVolume("grp-b");
    Reply r = gw.admin("POST", "/api/v1/snapshots",
        "{\"volumes\":[\"grp-a\",\"grp-b\"],\"description\":\"nightly\"}");
    assertEquals(201, r.status(), r.body());
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> made = (List<Map<String, Object>>) r.json().get("snapshots");
    assertEquals(2, made.size());
    assertEquals(made.get(0).get("groupId"), made.get(1).get("groupId"));
    assertNotEquals(0L, made.get(0).get("groupId"));
    assertEquals(Set.of("grp-a", "grp-b"),
        Set.of(made.get(0).get("volume"), made.get(1).get("volume")));
    assertTrue(events().contains("as one consistency group"));
  }

  @Test
  void cloneIsExportedWithTheAccessGivenAndRestoreTakesAnUndoSnapshot() {
    newVolume("orig");
    fill("orig", (byte) 'A');
    long s = snapshot("orig", "A");
    fill("orig", (byte) 'B');
    Reply c = gw.admin("POST", "/api/v1/snapshots/" + s + "/clone",
        "{\"name\":\"orig-clone\",\"acl\":[\"iqn.1994-05.com.redhat:host1\"]}");
    assertEquals(201, c.status(), c.body());
    assertEquals(List.of("iqn.1994-05.com.redhat:host1"), c.json().get("acl"));
    assertEquals(s, ((Number) c.json().get("originSnapshot")).longValue());
    assertEquals("iqn.2026-11.io.tiergate:orig-clone", c.json().get("target"));
    assertEquals((byte) 'A', firstByte("orig-clone"));
    assertEquals((byte) 'B', firstByte("orig"));
    // The origin snapshot is in use by the clone.
    assertError(gw.admin("DELETE", "/api/v1/snapshots/" + s, null), 409, "snapshot_in_use", null);

    Reply r = gw.admin("POST", "/api/v1/volumes/orig/restore", "{\"snapshot\":" + s + "}");
    assertEquals(200, r.status(), r.body());
    @SuppressWarnings("unchecked")
    Map<String, Object> undo = (Map<String, Object>) r.json().get("undoSnapshot");
    long undoId = ((Number) undo.get("id")).longValue();
    assertEquals("orig", undo.get("volume"));
    assertEquals((byte) 'A', firstByte("orig"));
    Reply back = gw.admin("POST", "/api/v1/volumes/orig/restore", "{\"snapshot\":\"" + undoId
        + "\"}");
    assertEquals(200, back.status(), back.body());
    assertEquals((byte) 'B', firstByte("orig"));
    String audit = events();
    assertTrue(audit.contains("cloned snapshot " + s + " of volume orig as volume orig-clone"),
        audit);
    assertTrue(audit.contains("restored volume orig to snapshot " + s + " (undo snapshot "
        + undoId), audit);
    // The clone gets its own meters, as any exported volume.
    assertEquals(0.0, gauge("orig-clone"));
  }

  private static <T> List<T> parallel(int n, Callable<T> call) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CyclicBarrier start = new CyclicBarrier(n);
    try {
      List<Future<T>> fs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        fs.add(pool.submit(() -> {
          start.await(30, TimeUnit.SECONDS);
          return call.call();
        }));
      }
      List<T> out = new ArrayList<>();
      for (Future<T> f : fs) {
        out.add(f.get(120, TimeUnit.SECONDS));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void parallelCreatesGetUniqueIdsAndEachDeleteSucceedsOnce() throws Exception {
    newVolume("par");
    List<Reply> made = parallel(16, () -> gw.admin("POST", "/api/v1/volumes/par/snapshots",
        "{}"));
    Set<Object> ids = new HashSet<>();
    for (Reply r : made) {
      assertEquals(201, r.status(), r.body());
      ids.add(r.json().get("id"));
    }
    assertEquals(16, ids.size(), "ids are unique");
    assertEquals(16, list("/api/v1/volumes/par/snapshots").size());
    long victim = ((Number) ids.iterator().next()).longValue();
    List<Integer> statuses = parallel(8, () -> gw.admin("DELETE", "/api/v1/snapshots/" + victim,
        null).status());
    assertEquals(1, statuses.stream().filter(s -> s == 204).count(), statuses.toString());
    assertEquals(7, statuses.stream().filter(s -> s == 404).count(), statuses.toString());
    assertEquals(15, list("/api/v1/volumes/par/snapshots").size());
    assertEquals(15.0, gauge("par"));
  }

  @Test
  void parallelClonesOfOneNameMakeOneVolumeAndOfManyNamesMakeEach() throws Exception {
    newVolume("pclone");
    fill("pclone", (byte) 'C');
    long s = snapshot("pclone", null);
    List<Integer> same = parallel(8, () -> gw.admin("POST", "/api/v1/snapshots/" + s + "/clone",
        "{\"name\":\"pclone-one\",\"chap\":{\"user\":\"u1\",\"secret\":\"secret123456\"}}")
        .status());
    assertEquals(1, same.stream().filter(x -> x == 201).count(), same.toString());
    assertEquals(7, same.stream().filter(x -> x == 409).count(), same.toString());
    // The winner's CHAP was kept: no loser overwrote or dropped the access record.
    @SuppressWarnings("unchecked")
    Map<String, Object> chap = (Map<String, Object>) gw.admin("GET",
        "/api/v1/volumes/pclone-one", null).json().get("chap");
    assertEquals(true, chap.get("enabled"));
    int[] k = {0};
    List<Integer> many = parallel(6, () -> {
      int i;
      synchronized (k) {
        i = k[0]++;
      }
      return gw.admin("POST", "/api/v1/snapshots/" + s + "/clone",
          "{\"name\":\"pclone-" + i + "\",\"acl\":[]}").status();
    });
    assertEquals(List.of(201, 201, 201, 201, 201, 201), many);
    for (int i = 0; i < 6; i++) {
      assertEquals((byte) 'C', firstByte("pclone-" + i));
    }
  }

  @Test
  void aCloneRacingADeleteOfItsOriginEitherWinsOrFindsNoSnapshot() throws Exception {
    newVolume("race");
    fill("race", (byte) 'F');
    for (int round = 0; round < 5; round++) {
      long s = snapshot("race", null);
      String clone = "race-" + round;
      int[] k = {0};
      List<Reply> rs = parallel(6, () -> {
        int i;
        synchronized (k) {
          i = k[0]++;
        }
        return i % 2 == 0 ? gw.admin("DELETE", "/api/v1/snapshots/" + s, null)
            : gw.admin("POST", "/api/v1/snapshots/" + s + "/clone",
                "{\"name\":\"" + clone + "\",\"acl\":[]}");
      });
      long cloned = rs.stream().filter(r -> r.status() == 201).count();
      long deleted = rs.stream().filter(r -> r.status() == 204).count();
      for (Reply r : rs) {
        assertTrue(List.of(201, 204, 404, 409).contains(r.status()), r.body());
      }
      boolean exists = gw.admin("GET", "/api/v1/snapshots/" + s, null).status() == 200;
      // Whichever came first wins: a clone keeps its origin (409), a delete leaves none (404).
      assertEquals(1, cloned + deleted, rs.toString());
      assertEquals(cloned == 1, exists, rs.toString());
      assertEquals(cloned == 1, gw.admin("GET", "/api/v1/volumes/" + clone, null).status() == 200);
      if (cloned == 1) {
        assertEquals((byte) 'F', firstByte(clone));
      }
    }
  }

  @Test
  void parallelRestoresEachTakeTheirUndoSnapshotAndLeaveTheSnapshotsContent() throws Exception {
    newVolume("prest");
    fill("prest", (byte) 'D');
    long s = snapshot("prest", null);
    fill("prest", (byte) 'E');
    List<Reply> rs = parallel(6, () -> gw.admin("POST", "/api/v1/volumes/prest/restore",
        "{\"snapshot\":" + s + "}"));
    Set<Object> undos = new HashSet<>();
    for (Reply r : rs) {
      assertEquals(200, r.status(), r.body());
      @SuppressWarnings("unchecked")
      Map<String, Object> u = (Map<String, Object>) r.json().get("undoSnapshot");
      undos.add(u.get("id"));
    }
    assertEquals(6, undos.size());
    assertEquals((byte) 'D', firstByte("prest"));
    assertEquals(7, list("/api/v1/volumes/prest/snapshots").size());
  }
}
