package io.tiergate.iscsi.login;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.tiergate.iscsi.auth.ChapCredentials;
import io.tiergate.iscsi.pdu.LoginRequest;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoginNegotiatorTest {
  static final String TARGET = "iqn.2026-01.io.tiergate:t0";
  static final String SECURE = "iqn.2026-01.io.tiergate:secure";
  static final String PRIVATE = "iqn.2026-01.io.tiergate:private";
  static final String INITIATOR = "iqn.2026-01.io.tiergate:host1";
  static final ChapCredentials CHAP =
      ChapCredentials.mutual("alice", "alice-secret-1", "tgt", "target-secret-2");

  static final TargetDirectory DIRECTORY = new TargetDirectory() {
    final List<Entry> entries = List.of(
        new Entry(TARGET, Set.of(), null),
        new Entry(SECURE, Set.of(), CHAP),
        new Entry(PRIVATE, Set.of("iqn.2026-01.io.tiergate:other"), null));

    @Override
    public Entry target(String name) {
      return entries.stream().filter(e -> e.name().equals(name)).findFirst().orElse(null);
    }

    @Override
    public List<Entry> targets() {
      return entries;
    }

    @Override
    public ChapCredentials discoveryChap() {
      return null;
    }

    @Override
    public int portalGroupTag() {
      return 7;
    }

    @Override
    public String portalAddress(InetSocketAddress local) {
      return "192.0.2.1:3260";
    }
  };

  private final LoginNegotiator negotiator = new LoginNegotiator(DIRECTORY,
      new NegotiationLimits(262144, 1048576, 262144, 8), "test");

  static LoginRequest request(boolean transit, int csg, int nsg, String... keys) {
    StringBuilder sb = new StringBuilder();
    for (String k : keys) {
      sb.append(k).append('\0');
    }
    return new LoginRequest(new byte[48], transit, false, csg, nsg, 0, 0, 0x400001370000L, 0,
        1, 0, 1, 0, Unpooled.wrappedBuffer(sb.toString().getBytes(StandardCharsets.UTF_8)));
  }

  static Map<String, String> keys(LoginNegotiator.Reply reply) throws Exception {
    return TextKeys.parse(reply.text());
  }

  @Test
  void answersOnlyOfferedKeysWithTheirResultFunctions() throws Exception {
    LoginNegotiator.Reply reply = negotiator.handle(request(true, 1, 3,
        "InitiatorName=" + INITIATOR, "TargetName=" + TARGET, "SessionType=Normal",
        "HeaderDigest=None,CRC32C", "DataDigest=CRC32C,None", "MaxBurstLength=4194304",
        "FirstBurstLength=2097152", "MaxRecvDataSegmentLength=65536", "InitialR2T=No",
        "ImmediateData=Yes", "MaxOutstandingR2T=32", "ErrorRecoveryLevel=2",
        "DefaultTime2Wait=0", "DefaultTime2Retain=20", "MaxConnections=4",
        "DataPDUInOrder=No", "IFMarker=No", "OFMarkInt=2048~8192", "X-com.example.Foo=1",
        "TaskReporting=ResponseFence,RFC3720"));
    assertEquals(LoginNegotiator.Outcome.FULL_FEATURE, reply.outcome());
    assertTrue(reply.transit());
    assertEquals(3, reply.nextStage());
    Map<String, String> k = keys(reply);
    assertEquals("7", k.get("TargetPortalGroupTag"));
    assertEquals("None", k.get("HeaderDigest"));
    assertEquals("CRC32C", k.get("DataDigest"));
    assertEquals("1048576", k.get("MaxBurstLength"));
    assertEquals("262144", k.get("FirstBurstLength"));
    assertEquals("262144", k.get("MaxRecvDataSegmentLength"));
    assertEquals("No", k.get("InitialR2T"));
    assertEquals("Yes", k.get("ImmediateData"));
    assertEquals("8", k.get("MaxOutstandingR2T"));
    assertEquals("0", k.get("ErrorRecoveryLevel"));
    assertEquals("2", k.get("DefaultTime2Wait"));
    assertEquals("0", k.get("DefaultTime2Retain"));
    assertEquals("1", k.get("MaxConnections"));
    assertEquals("Yes", k.get("DataPDUInOrder"));
    assertEquals("No", k.get("IFMarker"));
    assertEquals("Irrelevant", k.get("OFMarkInt"));
    assertEquals("NotUnderstood", k.get("X-com.example.Foo"));
    assertEquals("RFC3720", k.get("TaskReporting"));
    // Nothing that was not offered (besides the mandatory TargetPortalGroupTag).
    assertNull(k.get("DataSequenceInOrder"));
    assertNull(k.get("InitiatorName"));
    assertNull(k.get("TargetName"));

    SessionParameters p = negotiator.parameters();
    assertFalse(p.headerDigest());
    assertTrue(p.dataDigest());
    assertEquals(65536, p.initiatorMaxRecvDataSegmentLength());
    assertEquals(262144, p.targetMaxRecvDataSegmentLength());
    assertEquals(1048576, p.maxBurstLength());
    assertEquals(262144, p.firstBurstLength());
    assertFalse(p.initialR2T());
    assertEquals(8, p.maxOutstandingR2T());
  }

  @Test
  void firstBurstNeverExceedsMaxBurst() throws Exception {
    LoginNegotiator.Reply reply = negotiator.handle(request(true, 1, 3,
        "InitiatorName=" + INITIATOR, "TargetName=" + TARGET, "FirstBurstLength=262144",
        "MaxBurstLength=16384"));
    assertEquals(LoginNegotiator.Outcome.FULL_FEATURE, reply.outcome());
    assertEquals("16384", keys(reply).get("MaxBurstLength"));
    assertEquals(16384, negotiator.parameters().firstBurstLength());
    assertEquals(8192, negotiator.parameters().targetMaxRecvDataSegmentLength());
  }

  @Test
  void keysThatDoNotApplyAreIrrelevant() throws Exception {
    LoginNegotiator.Reply reply = negotiator.handle(request(true, 1, 3,
        "InitiatorName=" + INITIATOR, "TargetName=" + TARGET, "FirstBurstLength=65536",
        "InitialR2T=Yes", "ImmediateData=No"));
    assertEquals("Irrelevant", keys(reply).get("FirstBurstLength"));
    LoginNegotiator discovery = new LoginNegotiator(DIRECTORY, NegotiationLimits.defaults(), "t");
    Map<String, String> k = keys(discovery.handle(request(true, 1, 3,
        "InitiatorName=" + INITIATOR, "SessionType=Discovery", "InitialR2T=No",
        "DataPDUInOrder=Yes", "MaxRecvDataSegmentLength=8192")));
    assertEquals("Irrelevant", k.get("InitialR2T"));
    assertEquals("Irrelevant", k.get("DataPDUInOrder"));
    assertEquals("262144", k.get("MaxRecvDataSegmentLength"));
    assertNull(k.get("TargetPortalGroupTag"));
  }

  @Test
  void malformedValuesAreRejectedKeyByKey() throws Exception {
    LoginNegotiator.Reply reply = negotiator.handle(request(false, 1, 0,
        "InitiatorName=" + INITIATOR, "TargetName=" + TARGET, "MaxBurstLength=12",
        "ImmediateData=Maybe", "HeaderDigest=MD5"));
    assertEquals(LoginNegotiator.Outcome.CONTINUE, reply.outcome());
    Map<String, String> k = keys(reply);
    assertEquals("Reject", k.get("MaxBurstLength"));
    assertEquals("Reject", k.get("ImmediateData"));
    assertEquals("Reject", k.get("HeaderDigest"));
  }

  @Test
  void targetPortalGroupTagOnlyInTheFirstResponse() throws Exception {
    LoginNegotiator.Reply first = negotiator.handle(request(false, 1, 0,
        "InitiatorName=" + INITIATOR, "TargetName=" + TARGET));
    assertEquals("7", keys(first).get("TargetPortalGroupTag"));
    LoginNegotiator.Reply second = negotiator.handle(request(true, 1, 3, "MaxBurstLength=512"));
    assertNull(keys(second).get("TargetPortalGroupTag"));
    assertEquals(LoginNegotiator.Outcome.FULL_FEATURE, second.outcome());
  }

  @Test
  void identifiesTheInitiatorAndTarget() {
    assertEquals(LoginStatus.MISSING_PARAMETER, new LoginNegotiator(DIRECTORY,
        NegotiationLimits.defaults(), "t").handle(request(true, 1, 3, "TargetName=" + TARGET))
        .status());
    assertEquals(LoginStatus.MISSING_PARAMETER, new LoginNegotiator(DIRECTORY,
        NegotiationLimits.defaults(), "t").handle(request(true, 1, 3,
            "InitiatorName=" + INITIATOR)).status());
    assertEquals(LoginStatus.NOT_FOUND, new LoginNegotiator(DIRECTORY,
        NegotiationLimits.defaults(), "t").handle(request(true, 1, 3,
            "InitiatorName=" + INITIATOR, "TargetName=iqn.2026-01.io.tiergate:nope")).status());
    assertEquals(LoginStatus.AUTHORIZATION_FAILURE, new LoginNegotiator(DIRECTORY,
        NegotiationLimits.defaults(), "t").handle(request(true, 1, 3,
            "InitiatorName=" + INITIATOR, "TargetName=" + PRIVATE)).status());
    LoginNegotiator discovery = new LoginNegotiator(DIRECTORY, NegotiationLimits.defaults(), "t");
    LoginNegotiator.Reply reply = discovery.handle(request(true, 1, 3,
        "InitiatorName=" + INITIATOR, "SessionType=Discovery", "MaxBurstLength=512"));
    assertEquals(LoginNegotiator.Outcome.FULL_FEATURE, reply.outcome());
    assertTrue(discovery.parameters().discovery());
  }

  @Test
  void chapIsRequiredWhenConfigured() {
    LoginNegotiator.Reply skipped = negotiator.handle(request(true, 1, 3,
        "InitiatorName=" + INITIATOR, "TargetName=" + SECURE));
    assertEquals(LoginStatus.AUTHENTICATION_FAILURE, skipped.status());
    assertEquals(LoginNegotiator.Outcome.FAILED, skipped.outcome());

    LoginNegotiator none = new LoginNegotiator(DIRECTORY, NegotiationLimits.defaults(), "t");
    assertEquals(LoginStatus.AUTHENTICATION_FAILURE, none.handle(request(true, 0, 1,
        "InitiatorName=" + INITIATOR, "TargetName=" + SECURE, "AuthMethod=None")).status());
  }

  @Test
  void mutualChapLogsIn() throws Exception {
    Map<String, String> challenge = startChap(negotiator);
    int id = Integer.parseInt(challenge.get("CHAP_I"));
    byte[] c = hex(challenge.get("CHAP_C"));
    byte[] myChallenge = new byte[16];
    myChallenge[0] = 42;
    LoginNegotiator.Reply reply = negotiator.handle(request(true, 0, 1, "CHAP_N=alice",
        "CHAP_R=0x" + hexOf(md5(id, "alice-secret-1", c)), "CHAP_I=9",
        "CHAP_C=0x" + hexOf(myChallenge)));
    assertEquals(LoginStatus.SUCCESS, reply.status());
    assertTrue(reply.transit());
    assertEquals(1, reply.nextStage());
    Map<String, String> k = keys(reply);
    assertEquals("tgt", k.get("CHAP_N"));
    assertEquals("0x" + hexOf(md5(9, "target-secret-2", myChallenge)), k.get("CHAP_R"));
    LoginNegotiator.Reply last = negotiator.handle(request(true, 1, 3));
    assertEquals(LoginNegotiator.Outcome.FULL_FEATURE, last.outcome());
  }

  @Test
  void chapAcceptsBase64Responses() throws Exception {
    Map<String, String> challenge = startChap(negotiator);
    byte[] r = md5(Integer.parseInt(challenge.get("CHAP_I")), "alice-secret-1",
        hex(challenge.get("CHAP_C")));
    LoginNegotiator.Reply reply = negotiator.handle(request(true, 0, 1, "CHAP_N=alice",
        "CHAP_R=0b" + java.util.Base64.getEncoder().encodeToString(r)));
    assertEquals(LoginStatus.SUCCESS, reply.status());
  }

  @Test
  void wrongSecretFailsAuthentication() throws Exception {
    Map<String, String> challenge = startChap(negotiator);
    LoginNegotiator.Reply reply = negotiator.handle(request(true, 0, 1, "CHAP_N=alice",
        "CHAP_R=0x" + hexOf(md5(Integer.parseInt(challenge.get("CHAP_I")), "guess",
            hex(challenge.get("CHAP_C"))))));
    assertEquals(LoginStatus.AUTHENTICATION_FAILURE, reply.status());
    assertEquals(LoginNegotiator.Outcome.FAILED, reply.outcome());
  }

  @Test
  void reflectedChallengeIsRefused() throws Exception {
    Map<String, String> challenge = startChap(negotiator);
    int id = Integer.parseInt(challenge.get("CHAP_I"));
    byte[] c = hex(challenge.get("CHAP_C"));
    // The initiator hands the target's own challenge back, hoping for the answer to it.
    LoginNegotiator.Reply reply = negotiator.handle(request(true, 0, 1, "CHAP_N=alice",
        "CHAP_R=0x" + hexOf(md5(id, "alice-secret-1", c)), "CHAP_I=" + id,
        "CHAP_C=" + challenge.get("CHAP_C")));
    assertEquals(LoginStatus.AUTHENTICATION_FAILURE, reply.status());
    assertNull(keys(reply).get("CHAP_R"));
  }

  @Test
  void continuedTextIsGatheredBeforeNegotiating() throws Exception {
    byte[] all = ("InitiatorName=" + INITIATOR + "\0TargetName=" + TARGET + "\0")
        .getBytes(StandardCharsets.UTF_8);
    int cut = 20;
    LoginNegotiator.Reply partial = negotiator.handle(new LoginRequest(new byte[48], false,
        true, 1, 0, 0, 0, 1, 0, 1, 0, 1, 0, Unpooled.wrappedBuffer(all, 0, cut)));
    assertEquals(0, partial.text().length);
    assertEquals(LoginNegotiator.Outcome.CONTINUE, partial.outcome());
    LoginNegotiator.Reply rest = negotiator.handle(new LoginRequest(new byte[48], true, false,
        1, 3, 0, 0, 1, 0, 1, 0, 1, 0, Unpooled.wrappedBuffer(all, cut, all.length - cut)));
    assertEquals(LoginNegotiator.Outcome.FULL_FEATURE, rest.outcome());
  }

  static LoginRequest continuation(byte[] data) {
    return new LoginRequest(new byte[48], false, true, 1, 0, 0, 0, 0x400001370000L, 0, 1, 0, 1,
        0, Unpooled.wrappedBuffer(data));
  }

  @Test
  void textPastTheLoginBoundFailsTheLogin() {
    byte[] segment = new byte[8192];
    java.util.Arrays.fill(segment, (byte) 'a');
    int allowed = LoginNegotiator.MAX_LOGIN_TEXT_BYTES / segment.length;
    for (int i = 0; i < allowed; i++) {
      LoginNegotiator.Reply reply = negotiator.handle(continuation(segment));
      assertEquals(LoginNegotiator.Outcome.CONTINUE, reply.outcome(), "segment " + i);
    }
    LoginNegotiator.Reply over = negotiator.handle(continuation(new byte[4]));
    assertEquals(LoginNegotiator.Outcome.FAILED, over.outcome());
    assertEquals(LoginStatus.INITIATOR_ERROR, over.status());
    assertEquals(0, over.text().length);
  }

  @Test
  void theBoundCountsTheWholeLoginNotOneRequest() throws Exception {
    // One full request, then text that alone is small but brings the login past the bound.
    LoginNegotiator.Reply first = negotiator.handle(request(false, 1, 0,
        "InitiatorName=" + INITIATOR, "TargetName=" + TARGET, "X-pad="
            + "p".repeat(LoginNegotiator.MAX_LOGIN_TEXT_BYTES - 200)));
    assertEquals(LoginNegotiator.Outcome.CONTINUE, first.outcome());
    assertEquals(LoginStatus.SUCCESS, first.status());
    LoginNegotiator.Reply second = negotiator.handle(request(true, 1, 3,
        "X-more=" + "m".repeat(400)));
    assertEquals(LoginStatus.INITIATOR_ERROR, second.status());
  }

  @Test
  void endlessEmptyContinuationsFailTheLogin() {
    for (int i = 0; i < LoginNegotiator.MAX_LOGIN_REQUESTS; i++) {
      assertEquals(LoginNegotiator.Outcome.CONTINUE,
          negotiator.handle(continuation(new byte[0])).outcome(), "request " + i);
    }
    LoginNegotiator.Reply over = negotiator.handle(continuation(new byte[0]));
    assertEquals(LoginNegotiator.Outcome.FAILED, over.outcome());
    assertEquals(LoginStatus.INITIATOR_ERROR, over.status());
  }

  @Test
  void tooManyKeysInOneRequestFailTheLogin() throws Exception {
    List<String> keys = new java.util.ArrayList<>(List.of("InitiatorName=" + INITIATOR,
        "TargetName=" + TARGET));
    for (int i = keys.size(); i < LoginNegotiator.MAX_KEYS_PER_REQUEST; i++) {
      keys.add("X-key-" + i + "=v");
    }
    LoginNegotiator.Reply atBound = new LoginNegotiator(DIRECTORY, NegotiationLimits.defaults(),
        "test").handle(request(true, 1, 3, keys.toArray(new String[0])));
    assertEquals(LoginStatus.SUCCESS, atBound.status());
    assertEquals("NotUnderstood", keys(atBound).get("X-key-9"));
    assertTrue(atBound.text().length <= 8192, "the answer fits one login response");
    keys.add("X-one-too-many=v");
    LoginNegotiator.Reply over = negotiator.handle(request(true, 1, 3,
        keys.toArray(new String[0])));
    assertEquals(LoginNegotiator.Outcome.FAILED, over.outcome());
    assertEquals(LoginStatus.INITIATOR_ERROR, over.status());
  }

  @Test
  void sendTargetsSplitsIntoChunksAndHidesForbiddenTargets() {
    SendTargets answer = SendTargets.answer(DIRECTORY, "All", true, null, INITIATOR,
        "192.0.2.1:3260");
    StringBuilder text = new StringBuilder();
    int chunks = 0;
    while (answer.hasMore() || chunks == 0) {
      byte[] chunk = answer.next(16);
      assertTrue(chunk.length <= 16);
      text.append(new String(chunk, StandardCharsets.UTF_8));
      chunks++;
    }
    assertTrue(chunks > 3);
    assertEquals("TargetName=" + TARGET + "\0TargetAddress=192.0.2.1:3260,7\0"
        + "TargetName=" + SECURE + "\0TargetAddress=192.0.2.1:3260,7\0", text.toString());
    SendTargets own = SendTargets.answer(DIRECTORY, "", false, SECURE, INITIATOR, "h:1");
    assertEquals("TargetName=" + SECURE + "\0TargetAddress=h:1,7\0",
        new String(own.next(8192), StandardCharsets.UTF_8));
  }

  private static Map<String, String> startChap(LoginNegotiator n) throws Exception {
    LoginNegotiator.Reply first = n.handle(request(true, 0, 1, "InitiatorName=" + INITIATOR,
        "TargetName=" + SECURE, "SessionType=Normal", "AuthMethod=CHAP,None"));
    assertEquals("CHAP", keys(first).get("AuthMethod"));
    assertFalse(first.transit());
    LoginNegotiator.Reply second = n.handle(request(true, 0, 1, "CHAP_A=7,5"));
    Map<String, String> k = keys(second);
    assertEquals("5", k.get("CHAP_A"));
    assertNotEquals(null, k.get("CHAP_C"));
    assertFalse(second.transit());
    return k;
  }

  static byte[] md5(int id, String secret, byte[] challenge) throws Exception {
    MessageDigest md = MessageDigest.getInstance("MD5");
    md.update((byte) id);
    md.update(secret.getBytes(StandardCharsets.UTF_8));
    md.update(challenge);
    return md.digest();
  }

  static byte[] hex(String v) {
    String h = v.substring(2);
    byte[] out = new byte[h.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
    }
    return out;
  }

  static String hexOf(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (byte x : b) {
      sb.append(String.format("%02x", x));
    }
    return sb.toString();
  }
}
