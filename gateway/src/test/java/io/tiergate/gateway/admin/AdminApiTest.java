package io.tiergate.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.gateway.admin.TestGateway.Reply;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Contract of the admin REST API against a real gateway: every endpoint, its success shape
 * and its error cases (400 naming the field, 401, 403, 404, 405, 409, 429), and the audit
 * trail. One gateway serves the whole class; tests that change shared state say so.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminApiTest {
  static final String PASSWORD = "admin password 1";
  static final String CHAP_SECRET = "chapsecret123";

  @TempDir
  static Path tmp;
  static TestGateway gw;
  static String session;

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

  private static void assertError(Reply r, int status, String field) {
    assertEquals(status, r.status(), r.body());
    Map<String, Object> m = r.json();
    assertNotNull(m.get("error"), r.body());
    assertNotNull(m.get("code"), r.body());
    assertEquals(field, m.get("field"), r.body());
    assertFalse(r.body().contains("Exception"), "a Java exception leaked: " + r.body());
    assertFalse(r.body().contains("\tat "), "a stack trace leaked: " + r.body());
  }

  @Test
  @Order(1)
  void loginBeforeAPasswordIsSetIsForbiddenThenTheLocalCredentialSetsIt() {
    assertError(gw.call("POST", "/api/v1/login", null, "{\"password\":\"x\"}"), 403, null);
    assertError(gw.admin("PUT", "/api/v1/security/password", "{\"new\":\"short\"}"), 400, "new");
    assertError(gw.admin("PUT", "/api/v1/security/password", "{}"), 400, "new");
    Reply r = gw.admin("PUT", "/api/v1/security/password", "{\"new\":\"" + PASSWORD + "\"}");
    assertEquals(200, r.status(), r.body());
    String creds = assertOwnerOnly(gw.dataDir.resolve("admin/credentials.json"));
    assertFalse(creds.contains(PASSWORD), "password stored in the clear");
    assertTrue(creds.contains("PBKDF2WithHmacSHA256"), creds);
    assertOwnerOnly(gw.dataDir.resolve("admin/local-credential"));
  }

  private static String assertOwnerOnly(Path file) {
    try {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)),
          file.toString());
      return Files.readString(file);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  @Order(2)
  void loginGivesASessionTokenAndWrongPasswordsAreRateLimited() {
    Reply ok = gw.call("POST", "/api/v1/login", null, "{\"password\":\"" + PASSWORD + "\"}");
    assertEquals(200, ok.status(), ok.body());
    session = (String) ok.json().get("token");
    Reply who = gw.call("GET", "/api/v1/whoami", session, null);
    assertEquals(200, who.status());
    assertEquals("admin", who.json().get("user"));
    assertError(gw.call("POST", "/api/v1/login", null, "not json"), 400, null);
    assertError(gw.call("POST", "/api/v1/login", null, "{\"password\":5}"), 400, "password");
    for (int i = 0; i < AccessControl.MAX_FAILURES; i++) {
      assertError(gw.call("POST", "/api/v1/login", null, "{\"password\":\"wrong " + i + "\"}"),
          401, null);
    }
    Reply limited = gw.call("POST", "/api/v1/login", null, "{\"password\":\"" + PASSWORD + "\"}");
    assertEquals(429, limited.status(), limited.body());
    assertTrue(limited.headers().firstValue("Retry-After").isPresent());
    Reply events = gw.admin("GET", "/api/v1/events?category=security&limit=50", null);
    assertTrue(events.body().contains("failed admin login"), events.body());
  }

  @Test
  @Order(3)
  void volumesCreateListGetGrowAclChapAndDelete() {
    Reply created = gw.admin("POST", "/api/v1/volumes", "{\"name\":\"Vol1\",\"size\":\"1GiB\","
        + "\"chunkSize\":\"128KiB\",\"tiered\":false,\"acl\":[\"iqn.1994-05.com.redhat:a\"],"
        + "\"chap\":{\"user\":\"u1\",\"secret\":\"" + CHAP_SECRET + "\"}}");
    assertEquals(201, created.status(), created.body());
    Map<String, Object> v = created.json();
    assertEquals("vol1", v.get("name"));
    assertEquals(1L << 30, v.get("sizeBytes"));
    assertEquals(131072L, v.get("chunkSize"));
    assertEquals(true, v.get("pinned"));
    assertEquals("iqn.2026-11.io.tiergate:vol1", v.get("target"));
    assertEquals(gw.portal(), v.get("portal"));
    assertEquals(List.of("iqn.1994-05.com.redhat:a"), v.get("acl"));
    assertFalse(created.body().contains(CHAP_SECRET), "CHAP secret returned: " + created.body());

    Reply list = gw.admin("GET", "/api/v1/volumes", null);
    assertEquals(200, list.status());
    assertTrue(list.body().contains("\"vol1\"") && list.body().contains("\"demo\""), list.body());
    assertFalse(list.body().contains(CHAP_SECRET));
    assertEquals(200, gw.admin("GET", "/api/v1/volumes/vol1", null).status());

    Reply grown = gw.admin("PATCH", "/api/v1/volumes/vol1", "{\"size\":\"2GiB\"}");
    assertEquals(200, grown.status(), grown.body());
    assertEquals(2L << 30, grown.json().get("sizeBytes"));
    Reply access = gw.admin("PATCH", "/api/v1/volumes/vol1", "{\"acl\":[],\"chap\":null}");
    assertEquals(200, access.status(), access.body());
    assertEquals(List.of(), access.json().get("acl"));
    assertEquals(false, ((Map<?, ?>) access.json().get("chap")).get("enabled"));
    Reply mutual = gw.admin("PATCH", "/api/v1/volumes/vol1", "{\"chap\":{\"user\":\"u\","
        + "\"secret\":\"abcdefghijkl\",\"mutualUser\":\"t\",\"mutualSecret\":\"mnopqrstuvwx\"}}");
    assertEquals(200, mutual.status(), mutual.body());
    assertEquals(true, ((Map<?, ?>) mutual.json().get("chap")).get("mutual"));

    assertEquals(204, gw.admin("DELETE", "/api/v1/volumes/vol1", null).status());
    assertError(gw.admin("GET", "/api/v1/volumes/vol1", null), 404, null);
    String audit = gw.admin("GET", "/api/v1/events?category=audit&limit=100", null).body();
    assertTrue(audit.contains("created volume vol1"), audit);
    assertTrue(audit.contains("changed volume vol1: size 1 GiB -> 2 GiB"), audit);
    assertTrue(audit.contains("deleted volume vol1"), audit);
    assertTrue(audit.contains("local@127.0.0.1"), audit);
    assertFalse(audit.contains(CHAP_SECRET), audit);
  }

  @Test
  @Order(4)
  void badVolumeInputNamesTheField() {
    assertError(gw.admin("POST", "/api/v1/volumes", "{\"size\":\"1GiB\"}"), 400, "name");
    assertError(gw.admin("POST", "/api/v1/volumes", "{\"name\":\"-bad\",\"size\":\"1GiB\"}"),
        400, "name");
    assertError(gw.admin("POST", "/api/v1/volumes", "{\"name\":\"v\"}"), 400, "size");
    assertError(gw.admin("POST", "/api/v1/volumes", "{\"name\":\"v\",\"size\":\"lots\"}"),
        400, "size");
    assertError(gw.admin("POST", "/api/v1/volumes", "{\"name\":\"v\",\"size\":1000}"), 400,
        "size");
    assertError(gw.admin("POST", "/api/v1/volumes",
        "{\"name\":\"v\",\"size\":\"1GiB\",\"chunkSize\":\"4KiB\"}"), 400, "chunkSize");
    assertError(gw.admin("POST", "/api/v1/volumes",
        "{\"name\":\"v\",\"size\":\"1GiB\",\"tiered\":\"yes\"}"), 400, "tiered");
    assertError(gw.admin("POST", "/api/v1/volumes",
        "{\"name\":\"v\",\"size\":\"1GiB\",\"acl\":[\"not-an-iqn\"]}"), 400, "acl");
    assertError(gw.admin("POST", "/api/v1/volumes",
        "{\"name\":\"v\",\"size\":\"1GiB\",\"chap\":{\"user\":\"u\",\"secret\":\"short\"}}"),
        400, "chap.secret");
    assertError(gw.admin("POST", "/api/v1/volumes", "{\"name\":\"demo\",\"size\":\"1GiB\"}"),
        409, null);
    assertError(gw.admin("POST", "/api/v1/volumes", "[1,2]"), 400, null);
    assertError(gw.admin("PATCH", "/api/v1/volumes/demo", "{\"size\":\"1GiB\"}"), 400, "size");
    assertError(gw.admin("PATCH", "/api/v1/volumes/demo", "{\"chunkSize\":\"32KiB\"}"), 400,
        "chunkSize");
    assertError(gw.admin("PATCH", "/api/v1/volumes/nope", "{\"size\":\"1GiB\"}"), 404, null);
    assertError(gw.admin("DELETE", "/api/v1/volumes/nope", null), 404, null);
    assertError(gw.admin("PUT", "/api/v1/volumes", "{}"), 405, null);
    assertError(gw.admin("GET", "/api/v1/nothing-here", null), 404, null);
    assertError(gw.admin("GET", "/api/v1/events?limit=0", null), 400, "limit");
    assertError(gw.admin("GET", "/api/v1/events?severity=loud", null), 400, "severity");
  }

  @Test
  @Order(4)
  void sizesAreBoundedWholeBlocksAndTypedFieldsAreChecked() {
    // Above the 64 TiB maximum, as a string, as a number and as a grow: 400 naming the field.
    for (String size : List.of("\"4000PiB\"", String.valueOf(1L << 62), "\"65TiB\"",
        String.valueOf((64L << 40) + 512))) {
      assertError(gw.admin("POST", "/api/v1/volumes", "{\"name\":\"big\",\"size\":" + size
          + "}"), 400, "size");
    }
    assertError(gw.admin("PATCH", "/api/v1/volumes/demo", "{\"size\":\"4000PiB\"}"), 400,
        "size");
    // Not a whole number of 512-byte blocks: refused, not rounded.
    for (String size : List.of("\"1.3KiB\"", "\"1.0000000001GiB\"", "1000", "\"100000B\"")) {
      assertError(gw.admin("POST", "/api/v1/volumes", "{\"name\":\"odd\",\"size\":" + size
          + "}"), 400, "size");
    }
    assertError(gw.admin("PATCH", "/api/v1/volumes/demo", "{\"size\":\"10.0000001GiB\"}"),
        400, "size");
    // The maximum itself is fine, and the sums stay positive.
    Reply max = gw.admin("POST", "/api/v1/volumes", "{\"name\":\"max\",\"size\":\"64TiB\"}");
    assertEquals(201, max.status(), max.body());
    Map<?, ?> cap = (Map<?, ?>) gw.admin("GET", "/api/v1/status", null).json().get("capacity");
    assertTrue(((Number) cap.get("provisionedBytes")).longValue() > 64L << 40, cap.toString());
    assertEquals(204, gw.admin("DELETE", "/api/v1/volumes/max", null).status());
    assertEquals(404, gw.admin("GET", "/api/v1/volumes/big", null).status());
    // Typed fields: a string where a boolean belongs is 400, never silently false.
    assertError(gw.admin("POST", "/api/v1/cloud/sync", "{\"wait\":\"yes\"}"), 400, "wait");
    assertError(gw.admin("POST", "/api/v1/cloud/sync", "{\"wiat\":true}"), 400, "wiat");
    assertError(gw.admin("POST", "/api/v1/volumes",
        "{\"name\":\"v\",\"size\":\"1GiB\",\"pinned\":1}"), 400, "pinned");
    assertError(gw.admin("POST", "/api/v1/volumes",
        "{\"name\":\"v\",\"sise\":\"1GiB\"}"), 400, "sise");
    assertError(gw.admin("DELETE", "/api/v1/volumes/demo?force=yes", null), 400, "force");
    // A member named twice is refused, whichever value a check would have looked at.
    assertError(gw.admin("POST", "/api/v1/cloud/sync", "{\"wait\":false,\"wait\":true}"),
        400, null);
    assertError(gw.admin("POST", "/api/v1/volumes", "{\"name\":\"dup\",\"size\":\"1GiB\","
        + "\"chap\":{\"user\":\"u\",\"secret\":\"twelve-chars\"},\"chap\":null}"), 400, null);
    assertEquals(404, gw.admin("GET", "/api/v1/volumes/dup", null).status());
  }

  @Test
  @Order(4)
  void anInternalFailureIsA500WithAReferenceAndNoStackTrace() throws Exception {
    // A directory where the settings file's temporary copy goes makes the save fail.
    Path obstacle = gw.dataDir.resolve("admin/volume-access.json.tmp/x");
    Files.createDirectories(obstacle);
    try {
      Reply r = gw.admin("PATCH", "/api/v1/volumes/demo", "{\"acl\":[]}");
      assertError(r, 500, null);
      assertTrue(((String) r.json().get("error")).contains("reference"), r.body());
      Reply c = gw.admin("POST", "/api/v1/volumes", "{\"name\":\"half\",\"size\":\"1GiB\"}");
      assertError(c, 500, null);
    } finally {
      Files.delete(obstacle);
      Files.delete(obstacle.getParent());
    }
    assertError(gw.admin("GET", "/api/v1/volumes/half", null), 404, null);
  }

  @Test
  @Order(5)
  void statusEventsHistoryAndCloudStateAnswer() {
    Map<String, Object> s = gw.admin("GET", "/api/v1/status", null).json();
    assertEquals("running", s.get("state"));
    // The default cloud tier is a folder in the data directory.
    assertEquals(0L, ((Number) s.get("dirtyBytes")).longValue());
    assertEquals(true, ((Map<?, ?>) s.get("cloud")).get("reachable"));
    assertNotNull(((Map<?, ?>) s.get("capacity")).get("usedPercent"));
    assertEquals(0L, ((Map<?, ?>) s.get("iscsi")).get("sessions"));
    Reply h = gw.admin("GET", "/api/v1/history", null);
    assertEquals(200, h.status());
    assertEquals(10L, h.json().get("intervalSeconds"));
    Reply ev = gw.admin("GET", "/api/v1/events?severity=warning", null);
    assertEquals(200, ev.status());
    assertFalse(ev.body().contains("\"info\""), ev.body());
    assertEquals("connected", gw.admin("GET", "/api/v1/cloud", null).json().get("state"));
    Reply sync = gw.admin("POST", "/api/v1/cloud/sync", "{\"wait\":true}");
    assertEquals(200, sync.status(), sync.body());
    assertEquals(0L, ((Number) sync.json().get("dirtyBytes")).longValue());
    Reply evict = gw.admin("POST", "/api/v1/cloud/evict", "{}");
    assertEquals(200, evict.status(), evict.body());
    Reply test = gw.admin("POST", "/api/v1/cloud/test", "{}");
    assertEquals(true, test.json().get("reachable"), test.body());
    Reply bw = gw.admin("PUT", "/api/v1/cloud/bandwidth", "{\"limit\":\"20MB/s\"}");
    assertEquals(20_000_000L, ((Number) bw.json().get("bandwidthLimit")).longValue(), bw.body());
    gw.admin("PUT", "/api/v1/cloud/bandwidth", "{\"limit\":\"0\"}");
    assertError(gw.admin("PUT", "/api/v1/cloud/credentials", "{}"), 400, "connectionString");
    assertError(gw.admin("PUT", "/api/v1/cloud/bandwidth-schedule", "{}"), 400, "rules");
    assertError(gw.admin("PUT", "/api/v1/cloud/bandwidth", "{\"limit\":\"fast\"}"), 400, "limit");
  }

  @Test
  @Order(5)
  @SuppressWarnings("unchecked")
  void bandwidthScheduleIsValidatedKeptAndShown() {
    Reply set = gw.admin("PUT", "/api/v1/cloud/bandwidth-schedule", "{\"rules\":["
        + "{\"days\":\"Mon-Fri\",\"start\":\"09:00\",\"end\":\"17:00\",\"limit\":\"10MB/s\"},"
        + "{\"days\":[\"Sat\",\"Sun\"],\"start\":\"22:00\",\"end\":\"06:00\","
        + "\"limit\":\"unlimited\"}]}");
    assertEquals(200, set.status(), set.body());
    assertEquals(2, ((List<Object>) set.json().get("rules")).size());
    Map<String, Object> cloud = gw.admin("GET", "/api/v1/cloud", null).json();
    List<Object> rules = (List<Object>) cloud.get("bandwidthSchedule");
    assertEquals(List.of("Mon", "Tue", "Wed", "Thu", "Fri"),
        ((Map<String, Object>) rules.get(0)).get("days"));
    assertEquals(10_000_000L, ((Map<String, Object>) rules.get(0)).get("limit"));
    assertNotNull(cloud.get("bandwidthLimit"));
    assertNotNull(cloud.get("bandwidthLimitSource"));
    assertEquals(200, gw.admin("GET", "/api/v1/cloud/bandwidth-schedule", null).status());
    assertError(gw.admin("PUT", "/api/v1/cloud/bandwidth-schedule", "{\"rules\":["
        + "{\"days\":\"Mon\",\"start\":\"09:00\",\"end\":\"12:00\",\"limit\":\"1MB/s\"},"
        + "{\"days\":\"Weekdays\",\"start\":\"11:00\",\"end\":\"13:00\",\"limit\":\"1MB/s\"}"
        + "]}"), 400, "rules[1]");
    assertError(gw.admin("PUT", "/api/v1/cloud/bandwidth-schedule", "{\"rules\":["
        + "{\"days\":\"Mon\",\"start\":\"9\",\"end\":\"12:00\",\"limit\":\"1MB/s\"}]}"),
        400, "rules[0].start");
    assertError(gw.admin("PUT", "/api/v1/cloud/bandwidth-schedule", "{\"rules\":{}}"), 400,
        "rules");
    // A refused schedule changed nothing.
    assertEquals(2, ((List<Object>) gw.admin("GET", "/api/v1/cloud", null).json()
        .get("bandwidthSchedule")).size());
    String audit = gw.admin("GET", "/api/v1/events?category=audit&limit=100", null).body();
    assertTrue(audit.contains("set the bandwidth schedule: [Mon, Tue, Wed, Thu, Fri] "
        + "09:00-17:00 10MB/s; [Sat, Sun] 22:00-06:00 unlimited"), audit);
    Reply cleared = gw.admin("PUT", "/api/v1/cloud/bandwidth-schedule", "{\"rules\":[]}");
    assertEquals(200, cleared.status(), cleared.body());
    assertEquals("default", gw.admin("GET", "/api/v1/cloud", null).json()
        .get("bandwidthLimitSource"));
  }

  @Test
  @Order(5)
  void cloudCredentialsAreTestedAndRefusedWhenTheNewStoreLacksOurData() throws Exception {
    // Bad input names the field and changes nothing.
    String before = (String) gw.admin("GET", "/api/v1/cloud", null).json().get("target");
    assertError(gw.admin("PUT", "/api/v1/cloud/credentials",
        "{\"connectionString\":\"nonsense\"}"), 400, "connectionString");
    assertError(gw.admin("PUT", "/api/v1/cloud/credentials",
        "{\"accountName\":\"x\",\"accountKey\":\"" + KEY + "\"}"), 400, "accountName");
    assertError(gw.admin("PUT", "/api/v1/cloud/credentials",
        "{\"accountName\":\"contoso\",\"accountKey\":\"not base64!\"}"), 400, "accountKey");
    assertError(gw.admin("PUT", "/api/v1/cloud/credentials",
        "{\"accountName\":\"contoso\",\"accountKey\":\"" + KEY + "\",\"container\":\"Bad_Name\"}"),
        400, "container");
    assertError(gw.admin("PUT", "/api/v1/cloud/credentials",
        "{\"accountName\":\"contoso\",\"sasToken\":\"nosignature\"}"), 400, "sasToken");
    assertError(gw.admin("PUT", "/api/v1/cloud/credentials", "{\"directory\":\"relative\"}"),
        400, "directory");
    assertError(gw.admin("PUT", "/api/v1/cloud/credentials", "{\"directory\":\"/x\","
        + "\"colour\":\"red\"}"), 400, "colour");
    // Nothing answers there: 502, without the key or a stack trace.
    Reply away = gw.admin("PUT", "/api/v1/cloud/credentials", "{\"accountName\":\"contoso\","
        + "\"accountKey\":\"" + KEY + "\",\"endpoint\":\"http://127.0.0.1:9/contoso\"}");
    assertError(away, 502, null);
    assertEquals("cloud_unreachable", away.json().get("code"));
    assertFalse(away.body().contains(KEY), away.body());
    assertEquals(before, gw.admin("GET", "/api/v1/cloud", null).json().get("target"));

    // No data in the cloud yet: any reachable store may be chosen.
    Path first = tmp.resolve("cloud-a");
    Reply r = gw.admin("PUT", "/api/v1/cloud/credentials", "{\"directory\":\"" + first + "\"}");
    assertEquals(200, r.status(), r.body());
    assertEquals("directory " + first, r.json().get("target"));

    // Data goes there.
    var demo = gw.gateway.engine().volume("demo");
    byte[] data = new byte[1 << 20];
    new java.util.Random(5).nextBytes(data);
    demo.write(0, io.netty.buffer.Unpooled.wrappedBuffer(data), true);
    Reply sync = gw.admin("POST", "/api/v1/cloud/sync", "{\"wait\":true}");
    assertEquals(200, sync.status(), sync.body());
    assertTrue(((Number) sync.json().get("uploadedChunks")).longValue() > 0, sync.body());
    assertTrue(Files.isDirectory(first.resolve("packs")));

    // An empty store now would strand it: refused, nothing changed.
    Path empty = Files.createDirectories(tmp.resolve("cloud-empty"));
    Reply refused = gw.admin("PUT", "/api/v1/cloud/credentials",
        "{\"directory\":\"" + empty + "\"}");
    assertError(refused, 409, null);
    assertEquals("cloud_store_mismatch", refused.json().get("code"));
    assertTrue(((String) refused.json().get("error")).contains("pack(s) are missing"),
        refused.body());
    assertEquals("directory " + first, gw.admin("GET", "/api/v1/cloud", null).json()
        .get("target"));

    // The same data elsewhere (as with new credentials for the same account) is accepted, and
    // cold reads come from there at once.
    Path copy = tmp.resolve("cloud-copy");
    copyTree(first, copy);
    Reply ok = gw.admin("PUT", "/api/v1/cloud/credentials", "{\"directory\":\"" + copy + "\"}");
    assertEquals(200, ok.status(), ok.body());
    assertEquals(200, gw.admin("POST", "/api/v1/cloud/evict", "{}").status());
    deleteTree(first);
    io.netty.buffer.ByteBuf back = io.netty.buffer.Unpooled.buffer(data.length);
    try {
      demo.read(0, data.length / 512, back);
      byte[] got = new byte[data.length];
      back.readBytes(got);
      assertTrue(java.util.Arrays.equals(data, got), "data read back from the new store");
    } finally {
      back.release();
    }
    String conf = assertOwnerOnly(gw.dataDir.resolve("admin/cloud.conf"));
    assertTrue(conf.contains("cloud = file:" + copy), conf);
    String audit = gw.admin("GET", "/api/v1/events?category=audit&limit=100", null).body();
    assertTrue(audit.contains("changed the cloud credentials: now directory " + copy), audit);
    assertTrue(audit.contains("holds this appliance"), audit);

    // The tier itself checks again under its pass lock, and then neither saves nor switches.
    var cloud = gw.gateway.cloud();
    boolean[] saved = {false};
    var match = cloud.replaceStore(cloud.config(),
        new io.tiergate.tiering.store.LocalDirectoryObjectStore(empty),
        java.time.Duration.ofSeconds(1), () -> saved[0] = true);
    assertFalse(match.acceptable());
    assertTrue(match.packsMissing() > 0);
    assertFalse(saved[0], "nothing saved for a refused store");
    assertEquals("directory " + copy, cloud.describe());
  }

  static final String KEY =
      "c2VjcmV0LWtleS1mb3ItdGVzdHMtb25seS0wMTIzNDU2Nzg5YWJjZGVmZ2hpams=";

  private static void copyTree(Path from, Path to) throws java.io.IOException {
    try (var s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Files.copy(p, to.resolve(from.relativize(p).toString()));
      }
    }
  }

  private static void deleteTree(Path dir) throws java.io.IOException {
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Test
  @Order(6)
  void tokensAreShownOnceAndReadOnlyTokensCannotChangeAnything() {
    Reply created = gw.admin("POST", "/api/v1/tokens", "{\"name\":\"monitor\",\"role\":\"read-only\"}");
    assertEquals(201, created.status(), created.body());
    String token = (String) created.json().get("token");
    String id = (String) created.json().get("id");
    assertFalse(gw.admin("GET", "/api/v1/tokens", null).body().contains(token));
    assertEquals(200, gw.call("GET", "/api/v1/volumes", token, null).status());
    assertEquals(200, gw.call("GET", "/metrics", token, null).status());
    assertError(gw.call("POST", "/api/v1/volumes", token, "{\"name\":\"x\",\"size\":\"1GiB\"}"),
        403, null);
    assertError(gw.call("DELETE", "/api/v1/volumes/demo", token, null), 403, null);
    assertError(gw.admin("POST", "/api/v1/tokens", "{\"name\":\"a b\"}"), 400, "name");
    assertError(gw.admin("POST", "/api/v1/tokens", "{\"name\":\"a\",\"role\":\"root\"}"), 400,
        "role");
    assertEquals(204, gw.admin("DELETE", "/api/v1/tokens/" + id, null).status());
    assertError(gw.call("GET", "/api/v1/volumes", token, null), 401, null);
    assertError(gw.admin("DELETE", "/api/v1/tokens/" + id, null), 404, null);
  }

  @Test
  @Order(7)
  void supportBundleHasEverythingAndNoSecret() throws Exception {
    gw.admin("POST", "/api/v1/volumes", "{\"name\":\"secretive\",\"size\":\"1GiB\","
        + "\"chap\":{\"user\":\"u2\",\"secret\":\"" + CHAP_SECRET + "\"}}");
    Reply r = gw.admin("GET", "/api/v1/support-bundle", null);
    assertEquals(200, r.status());
    assertEquals("application/zip", r.headers().firstValue("Content-Type").orElse(""));
    Map<String, String> files = new HashMap<>();
    try (ZipInputStream z = new ZipInputStream(new ByteArrayInputStream(
        r.body().getBytes(StandardCharsets.ISO_8859_1)))) {
      for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
        files.put(e.getName(), new String(z.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
    assertTrue(files.keySet().containsAll(List.of("config.json", "status.json", "volumes.json",
        "metrics.txt", "events.jsonl")), files.keySet().toString());
    assertTrue(files.get("metrics.txt").contains("tiergate_dedup_ratio"));
    assertTrue(files.get("volumes.json").contains("secretive"));
    String all = String.join("\n", files.values());
    for (String secret : List.of(CHAP_SECRET, PASSWORD, TestGateway.PASSPHRASE, gw.localToken)) {
      assertFalse(all.contains(secret), "support bundle leaks a secret");
    }
  }

  @Test
  @Order(8)
  void passwordChangeNeedsTheCurrentOneFromAnyoneButTheLocalAdmin() {
    assertEquals(200, gw.call("GET", "/api/v1/status", session, null).status());
    Reply wrong = gw.call("PUT", "/api/v1/security/password", session,
        "{\"current\":\"not it at all\",\"new\":\"another password 2\"}");
    assertError(wrong, 403, null);
    assertError(gw.call("PUT", "/api/v1/security/password", session,
        "{\"new\":\"another password 2\"}"), 400, "current");
    // The local credential proves control of the appliance: no current password needed.
    assertError(gw.admin("PUT", "/api/v1/security/password", "{\"new\":\"tiny\"}"), 400, "new");
    Reply ok = gw.admin("PUT", "/api/v1/security/password",
        "{\"new\":\"another password 2\"}");
    assertEquals(200, ok.status(), ok.body());
    assertError(gw.call("GET", "/api/v1/status", session, null), 401, null);
  }

  @Test
  @Order(9)
  void passphraseChangeRewrapsAndUpdatesThePassphraseFile() throws Exception {
    assertError(gw.admin("PUT", "/api/v1/security/passphrase",
        "{\"current\":\"" + TestGateway.PASSPHRASE + "\",\"new\":\"short\"}"), 400, "new");
    assertError(gw.admin("PUT", "/api/v1/security/passphrase",
        "{\"current\":\"not the passphrase at all\",\"new\":\"a brand new passphrase\"}"),
        403, null);
    assertEquals(TestGateway.PASSPHRASE, Files.readString(gw.passphraseFile).trim());
    Reply ok = gw.admin("PUT", "/api/v1/security/passphrase",
        "{\"current\":\"" + TestGateway.PASSPHRASE + "\",\"new\":\"a brand new passphrase\"}");
    assertEquals(200, ok.status(), ok.body());
    assertEquals("a brand new passphrase", Files.readString(gw.passphraseFile).trim());
    Reply rot = gw.admin("POST", "/api/v1/security/rotate-data-key", "{}");
    assertEquals(200, rot.status(), rot.body());
    assertTrue(((Number) rot.json().get("dataKeyId")).intValue() > 0);
    // The new passphrase opens the appliance after a restart; volumes and settings survive.
    gw.close();
    gw = TestGateway.start(tmp);
    Reply vols = gw.admin("GET", "/api/v1/volumes/secretive", null);
    assertEquals(200, vols.status(), vols.body());
    assertEquals(true, ((Map<?, ?>) vols.json().get("chap")).get("enabled"));
    assertTrue(gw.admin("GET", "/api/v1/events?limit=1000", null).body()
        .contains("changed the passphrase"));
  }
}
