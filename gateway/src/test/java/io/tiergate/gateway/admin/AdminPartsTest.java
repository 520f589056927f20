package io.tiergate.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.gateway.ByteSizes;
import io.tiergate.gateway.admin.EventLog.Severity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin service's parts on their own: JSON, sizes, the event log, access control. */
class AdminPartsTest {
  @TempDir
  Path tmp;

  @Test
  void jsonRoundTripsAndRefusesWhatIsNotJson() {
    Map<String, Object> m = Json.parseObject(
        "{\"a\":[1,2.5,true,null,\"x\\\"y\\u00e9\\n\"],\"b\":{},\"c\":-3}");
    assertEquals(java.util.Arrays.asList(1L, 2.5, true, null, "x\"y\u00e9\n"), m.get("a"));
    assertEquals(-3L, m.get("c"));
    assertEquals(m, Json.parseObject(Json.encode(m)));
    assertEquals("{\"s\":\"\\u003cscript>\"}", Json.encode(Map.of("s", "<script>")));
    assertEquals("null", Json.encode(Double.NaN));
    for (String bad : List.of("", "{", "{\"a\":}", "[1,]", "{\"a\":1} x", "\"\\q\"", "tru",
        "[".repeat(100) + "]".repeat(100))) {
      assertThrows(Json.ParseException.class, () -> Json.parse(bad), bad);
    }
  }

  @Test
  void sizesParseAndFormatLikeAdministratorsWriteThem() {
    assertEquals(100L << 30, ByteSizes.parse("100GiB"));
    assertEquals(100L << 30, ByteSizes.parse("100g"));
    assertEquals(100_000_000_000L, ByteSizes.parse("100GB"));
    assertEquals(64 << 10, ByteSizes.parse("64KiB"));
    assertEquals(512, ByteSizes.parse("512"));
    assertEquals(1536L << 20, ByteSizes.parse("1.5GiB"));
    assertThrows(IllegalArgumentException.class, () -> ByteSizes.parse("lots"));
    assertThrows(IllegalArgumentException.class, () -> ByteSizes.parse("-1GiB"));
    assertEquals("10 GiB", ByteSizes.format(10L << 30));
    assertEquals("1.5 MiB", ByteSizes.format(3 << 19));
    assertEquals("512 B", ByteSizes.format(512));
  }

  @Test
  void eventLogIsBoundedPersistedAndFiltered() throws Exception {
    Path file = tmp.resolve("events.jsonl");
    EventLog log = new EventLog(file, 10);
    for (int i = 0; i < 35; i++) {
      log.record(i % 5 == 0 ? Severity.WARNING : Severity.INFO, i % 2 == 0 ? "audit" : "system",
          "tester", "event " + i);
    }
    List<EventLog.Event> recent = log.recent(100, null, null);
    assertEquals(10, recent.size());
    assertEquals("event 34", recent.get(0).message());
    assertTrue(Files.readAllLines(file).size() <= 20, "the file is trimmed");
    assertTrue(log.recent(100, Severity.WARNING, null).stream()
        .allMatch(e -> e.severity() == Severity.WARNING));
    assertTrue(log.recent(100, null, "audit").stream().allMatch(e -> e.category().equals("audit")));
    // A torn last line (crash mid-append) is skipped; ids keep increasing after a reopen.
    Files.writeString(file, Files.readString(file) + "{\"id\":99,\"ti", java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
    EventLog reopened = new EventLog(file, 10);
    assertEquals("event 34", reopened.recent(1, null, null).get(0).message());
    assertEquals(36, reopened.record(Severity.ERROR, "system", "gateway", "after").id());
  }

  @Test
  void accessControlHashesSecretsAndRateLimitsFailures() throws Exception {
    Path admin = Files.createDirectories(tmp.resolve("admin"));
    AccessControl ac = new AccessControl(admin);
    assertFalse(ac.passwordSet());
    assertNotNull(AccessControl.passwordProblem("short".toCharArray()));
    ac.setPassword("a good password".toCharArray());
    assertTrue(ac.checkPassword("a good password".toCharArray()));
    assertFalse(ac.checkPassword("a good passwore".toCharArray()));
    String session = ac.newSession();
    assertEquals("admin", ac.authenticate(session).name());
    String[] token = ac.newApiToken("ci", "read-only");
    AccessControl.Principal p = ac.authenticate(token[1]);
    assertEquals("token:ci", p.name());
    assertFalse(p.mayWrite());
    assertNull(ac.authenticate(token[1] + "x"));
    assertNull(ac.authenticate(null));
    ac.issueLocalCredential();
    String local = Files.readString(admin.resolve("local-credential")).trim();
    assertEquals("local", ac.authenticate(local).name());

    String stored = Files.readString(admin.resolve("credentials.json"));
    for (String secret : List.of("a good password", session, token[1], local)) {
      assertFalse(stored.contains(secret), "a secret is stored in the clear");
      assertFalse(ac.toString().contains(secret));
    }
    // A reload sees the same password and tokens; sessions and the local credential are gone.
    AccessControl reloaded = new AccessControl(admin);
    assertTrue(reloaded.checkPassword("a good password".toCharArray()));
    assertNotNull(reloaded.authenticate(token[1]));
    assertNull(reloaded.authenticate(session));
    assertNull(reloaded.authenticate(local));

    for (int i = 0; i < AccessControl.MAX_FAILURES; i++) {
      assertEquals(0, ac.retryAfterMillis("10.0.0.1"));
      assertEquals(0, ac.reserveAttempt("10.0.0.1"));
    }
    assertTrue(ac.retryAfterMillis("10.0.0.1") > 0);
    assertTrue(ac.reserveAttempt("10.0.0.1") > 0, "a sixth attempt is not reserved");
    // A success gives its reservation back.
    assertEquals(0, ac.reserveAttempt("10.0.0.3"));
    ac.succeeded("10.0.0.3");
    for (int i = 0; i < AccessControl.MAX_FAILURES; i++) {
      assertEquals(0, ac.reserveAttempt("10.0.0.3"), "attempt " + i);
    }
    assertEquals(0, ac.retryAfterMillis("10.0.0.2"), "limits are per client");
    ac.revokeLocalCredential();
    assertFalse(Files.exists(admin.resolve("local-credential")));
  }

  @Test
  void jsonRefusesDuplicateMemberNames() {
    assertThrows(Json.ParseException.class,
        () -> Json.parseObject("{\"wait\":false,\"wait\":true}"));
    assertThrows(Json.ParseException.class,
        () -> Json.parseObject("{\"a\":{\"b\":1,\"b\":2}}"), "nested objects too");
    assertEquals(2, Json.parseObject("{\"a\":1,\"b\":{\"a\":2}}").size(),
        "the same name in different objects is fine");
  }

  @Test
  void secretsStayOutOfToStringAndRedactedSettings() {
    VolumeAccess.Chap chap = new VolumeAccess.Chap("u", "secret-one-12", "t", "secret-two-34");
    assertFalse(chap.toString().contains("secret-one-12"));
    assertFalse(chap.toString().contains("secret-two-34"));
    HttpExchange.Request r = new HttpExchange.Request("POST", "/api/v1/login", Map.of(),
        "{\"password\":\"hunter2hunter2\"}", "tg_token-value", "10.0.0.1");
    assertFalse(r.toString().contains("hunter2"));
    assertFalse(r.toString().contains("tg_token-value"));
    Map<String, String> red = SupportBundle.redact(Map.of("data-dir", "/d",
        "azure-connection-string", "AccountKey=abc", "admin-token", "t", "passphrase-file", "/p"));
    assertEquals("/d", red.get("data-dir"));
    assertEquals("/p", red.get("passphrase-file"), "a file name is not a secret");
    assertEquals(SupportBundle.REDACTED, red.get("azure-connection-string"));
    assertEquals(SupportBundle.REDACTED, red.get("admin-token"));
  }

  @Test
  void capacityAlertsAreRaisedOncePerCrossing() {
    EventLog log = new EventLog(tmp.resolve("events.jsonl"), 100);
    CapacityAlarm alarm = new CapacityAlarm(log);
    alarm.check(50);
    alarm.check(90);
    alarm.check(91);
    alarm.check(97);
    alarm.check(98);
    alarm.check(10);
    alarm.check(Double.NaN);
    List<EventLog.Event> e = log.recent(100, null, "capacity");
    assertEquals(3, e.size(), e.toString());
    assertEquals(Severity.INFO, e.get(0).severity());
    assertEquals(Severity.ERROR, e.get(1).severity());
    assertEquals(Severity.WARNING, e.get(2).severity());
    assertTrue(e.get(2).message().contains("90.0% used"), e.get(2).message());
  }

  @Test
  void chapAndAclInputIsValidatedWithTheFieldNamed() {
    ApiException e = assertThrows(ApiException.class, () -> VolumeAccess.parseChap(
        Map.of("user", "u", "secret", "abcdefghijkl", "mutualUser", "t",
            "mutualSecret", "abcdefghijkl")));
    assertEquals("chap.mutualSecret", e.field());
    e = assertThrows(ApiException.class, () -> VolumeAccess.parseChap(Map.of("secret", "x")));
    assertEquals("chap.user", e.field());
    e = assertThrows(ApiException.class, () -> VolumeAccess.parseAcl("iqn.x"));
    assertEquals("acl", e.field());
    assertNull(VolumeAccess.parseChap(null));
    assertEquals(List.of("iqn.1994-05.com.redhat:a"),
        VolumeAccess.parseAcl(List.of("iqn.1994-05.com.redhat:a")));
  }
}
