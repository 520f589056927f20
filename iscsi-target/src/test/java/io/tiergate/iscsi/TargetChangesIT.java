package io.tiergate.iscsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.iscsi.auth.ChapCredentials;
import io.tiergate.iscsi.device.MemoryBlockDevice;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Targets added, replaced and removed on a running server, seen by libiscsi's tools, while a
 * session on another target goes on undisturbed; and refused logins reported by reason.
 */
class TargetChangesIT {
  static final String STAYS = "iqn.2026-01.io.tiergate:changes-stays";
  static final String ADDED = "iqn.2026-01.io.tiergate:changes-added";
  static final String HOST = "iqn.2026-01.io.tiergate:changes-host";
  static final Duration TIMEOUT = Duration.ofSeconds(60);
  static final byte[] TEST_UNIT_READY = new byte[6];

  static {
    LeakGuard.install();
  }

  MemoryBlockDevice staysLun;
  MemoryBlockDevice addedLun;
  IscsiServer server;
  String portal;
  final List<LoginFailure> failures = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    staysLun = new MemoryBlockDevice(16L << 20, 512);
    addedLun = new MemoryBlockDevice(16L << 20, 512);
    server = IscsiServer.start(TargetConfig.builder().target(STAYS, staysLun, null).build(),
        "127.0.0.1", 0, failures::add);
    portal = "127.0.0.1:" + server.port();
  }

  @AfterEach
  void stop() {
    server.close();
    staysLun.close();
    addedLun.close();
    LeakGuard.assertNoLeaks();
  }

  TestInitiator login(String target, String initiator, long isid) throws IOException {
    TestInitiator t = TestInitiator.connect(server.port(), 3000);
    RawPdu response = t.login(initiator, isid, target);
    assertEquals(0x23, response.opcode());
    assertEquals(0, response.byteAt(36), "login status class");
    return t;
  }

  /** The sessions by target once they equal {@code expected}, or after 5 s of waiting. */
  Map<String, Integer> settledSessions(Map<String, Integer> expected)
      throws InterruptedException {
    Map<String, Integer> now = server.sessionsByTarget();
    for (int i = 0; i < 100 && !now.equals(expected); i++) {
      Thread.sleep(50);
      now = server.sessionsByTarget();
    }
    return now;
  }

  static TargetConfig.Target added(Set<String> acl, ChapCredentials chap, MemoryBlockDevice lun) {
    return new TargetConfig.Target(ADDED, Map.of(0L, lun), acl, chap);
  }

  @Test
  void anAddedTargetIsDiscoveredAndServedWhileAnotherSessionGoesOn() throws Exception {
    try (TestInitiator other = login(STAYS, HOST, 0x400000000001L)) {
      assertEquals(0, other.command(TEST_UNIT_READY, false, 0, null).status());
      Tool.Result before = Tool.run(TIMEOUT, "iscsi-ls", "iscsi://" + portal);
      assertTrue(before.ok(), before.output());
      assertFalse(before.output().contains(ADDED), before.output());

      assertEquals(0, server.putTarget(added(Set.of(), null, addedLun)));

      Tool.Result ls = Tool.run(TIMEOUT, "iscsi-ls", "iscsi://" + portal);
      assertTrue(ls.ok(), ls.output());
      assertTrue(ls.output().contains("Target:" + ADDED + " Portal:" + portal + ",1"),
          ls.output());
      Tool.Result inq = Tool.run(TIMEOUT, "iscsi-inq", "iscsi://" + portal + "/" + ADDED + "/0");
      assertTrue(inq.ok(), inq.output());
      assertTrue(inq.output().contains("Peripheral Device Type:DIRECT_ACCESS"), inq.output());

      assertEquals(0, other.command(TEST_UNIT_READY, false, 0, null).status());
      assertEquals(1, server.sessionCount(STAYS));
      // iscsi-inq exits on the Logout Response, which the target sends before it closes.
      assertEquals(Map.of(STAYS, 1, ADDED, 0), settledSessions(Map.of(STAYS, 1, ADDED, 0)));
    }
  }

  @Test
  void removingATargetClosesOnlyItsSessions() throws Exception {
    server.putTarget(added(Set.of(), null, addedLun));
    try (TestInitiator other = login(STAYS, HOST, 0x400000000002L);
        TestInitiator doomed = login(ADDED, HOST, 0x400000000003L)) {
      assertEquals(0, doomed.command(TEST_UNIT_READY, false, 0, null).status());
      assertEquals(Map.of(STAYS, 1, ADDED, 1), server.sessionsByTarget());

      assertEquals(1, server.removeTarget(ADDED));

      assertTrue(doomed.closedByTarget());
      assertEquals(0, other.command(TEST_UNIT_READY, false, 0, null).status());
      assertEquals(Map.of(STAYS, 1), server.sessionsByTarget());
      Tool.Result ls = Tool.run(TIMEOUT, "iscsi-ls", "iscsi://" + portal);
      assertTrue(ls.ok(), ls.output());
      assertFalse(ls.output().contains(ADDED), ls.output());
      Tool.Result inq = Tool.run(TIMEOUT, "iscsi-inq", "iscsi://" + portal + "/" + ADDED + "/0");
      assertFalse(inq.ok(), inq.output());
      assertEquals(LoginFailure.Reason.UNKNOWN_TARGET, failures.get(0).reason());
      assertEquals(ADDED, failures.get(0).targetName());
      assertEquals(0, server.removeTarget(ADDED));
    }
  }

  @Test
  void replacingKeepsSessionsTheNewSettingsStillAdmit() throws Exception {
    String second = "iqn.2026-01.io.tiergate:changes-second";
    server.putTarget(added(Set.of(), null, addedLun));
    try (TestInitiator kept = login(ADDED, HOST, 0x400000000004L);
        TestInitiator dropped = login(ADDED, second, 0x400000000005L)) {
      // Same LUNs and CHAP, narrower allow list: only the initiator left out goes.
      assertEquals(1, server.putTarget(added(Set.of(HOST), null, addedLun)));
      assertTrue(dropped.closedByTarget());
      assertEquals(0, kept.command(TEST_UNIT_READY, false, 0, null).status());
      Tool.Result refused = Tool.run(TIMEOUT, "iscsi-inq", "-i", second,
          "iscsi://" + portal + "/" + ADDED + "/0");
      assertFalse(refused.ok(), refused.output());
      assertEquals(LoginFailure.Reason.NOT_ALLOWED, failures.get(0).reason());
      assertEquals(second, failures.get(0).initiatorName());

      // CHAP turned on: a session that never authenticated must not go on.
      ChapCredentials chap = ChapCredentials.of("bob", "bob-secret-1234");
      assertEquals(1, server.putTarget(added(Set.of(), chap, addedLun)));
      assertTrue(kept.closedByTarget());
    }
    Tool.Result wrong = Tool.run(TIMEOUT, "iscsi-inq",
        "iscsi://bob%not-the-secret@" + portal + "/" + ADDED + "/0");
    assertFalse(wrong.ok(), wrong.output());
    assertTrue(wrong.output().contains("Authentication failure"), wrong.output());
    assertEquals(LoginFailure.Reason.AUTHENTICATION, failures.get(1).reason());
    Tool.Result right = Tool.run(TIMEOUT, "iscsi-inq",
        "iscsi://bob%bob-secret-1234@" + portal + "/" + ADDED + "/0");
    assertTrue(right.ok(), right.output());
    assertEquals(2, server.loginFailures());
  }
}
