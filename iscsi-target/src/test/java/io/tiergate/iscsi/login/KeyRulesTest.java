package io.tiergate.iscsi.login;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The key-rule table row by row, against the ranges and result functions of RFC 7143 section
 * 13 written out here again, so that a wrong row fails rather than agreeing with itself.
 */
class KeyRulesTest {
  static final NegotiationLimits LIMITS = new NegotiationLimits(131072, 524288, 65536, 4);

  /** A numerical key: its range, kind, sessions and the target's value under LIMITS. */
  record Numeric(String key, KeyRules.Kind kind, int lo, int hi, int ours, boolean normalOnly) {}

  static final List<Numeric> NUMERIC = List.of(
      new Numeric("MaxRecvDataSegmentLength", KeyRules.Kind.DECLARATIVE, 512, 16777215, 131072,
          false),
      new Numeric("MaxBurstLength", KeyRules.Kind.MIN, 512, 16777215, 524288, true),
      new Numeric("FirstBurstLength", KeyRules.Kind.MIN, 512, 16777215, 65536, true),
      new Numeric("MaxOutstandingR2T", KeyRules.Kind.MIN, 1, 65535, 4, true),
      new Numeric("MaxConnections", KeyRules.Kind.MIN, 1, 65535, 1, false),
      new Numeric("ErrorRecoveryLevel", KeyRules.Kind.MIN, 0, 2, 0, false),
      new Numeric("DefaultTime2Wait", KeyRules.Kind.MAX, 0, 3600, 2, false),
      new Numeric("DefaultTime2Retain", KeyRules.Kind.MIN, 0, 3600, 0, false),
      new Numeric("iSCSIProtocolLevel", KeyRules.Kind.MIN, 0, 31, 1, false));

  /** A boolean key: its result function and the target's value. */
  record Bool(String key, KeyRules.Kind kind, boolean ours, boolean normalOnly) {}

  static final List<Bool> BOOLEAN = List.of(
      new Bool("InitialR2T", KeyRules.Kind.OR, false, true),
      new Bool("ImmediateData", KeyRules.Kind.AND, true, true),
      new Bool("DataPDUInOrder", KeyRules.Kind.OR, true, true),
      new Bool("DataSequenceInOrder", KeyRules.Kind.OR, true, true),
      new Bool("IFMarker", KeyRules.Kind.AND, false, false),
      new Bool("OFMarker", KeyRules.Kind.AND, false, false),
      new Bool("RDMAExtensions", KeyRules.Kind.AND, false, false));

  static final List<String> ALWAYS_IRRELEVANT = List.of("TargetAlias", "TargetAddress",
      "TargetPortalGroupTag", "IFMarkInt", "OFMarkInt", "InitiatorRecvDataSegmentLength",
      "TargetRecvDataSegmentLength");

  static final List<String> ANSWERED_BY_THE_NEGOTIATOR = List.of("InitiatorName",
      "InitiatorAlias", "TargetName", "SessionType", "AuthMethod", "CHAP_A", "CHAP_N",
      "CHAP_R", "CHAP_I", "CHAP_C");

  static String answer(String key, String value, boolean discovery) {
    return KeyRules.rule(key).answer(value, discovery, LIMITS);
  }

  static int resultOf(Numeric n, int offered) {
    switch (n.kind()) {
      case MIN:
        return Math.min(offered, n.ours());
      case MAX:
        return Math.max(offered, n.ours());
      default:
        return n.ours();
    }
  }

  @Test
  void numericalKeysAcceptTheirRangeEdgesAndRejectPastThem() {
    for (Numeric n : NUMERIC) {
      KeyRules.Rule rule = KeyRules.rule(n.key());
      assertEquals(n.kind(), rule.kind(), n.key());
      assertEquals(Integer.toString(resultOf(n, n.lo())), answer(n.key(), "" + n.lo(), false),
          n.key() + " at its least");
      assertEquals(Integer.toString(resultOf(n, n.hi())), answer(n.key(), "" + n.hi(), false),
          n.key() + " at its greatest");
      assertEquals("Reject", answer(n.key(), "" + (n.lo() - 1), false), n.key() + " below");
      assertEquals("Reject", answer(n.key(), "" + (n.hi() + 1L), false), n.key() + " above");
      assertEquals("Reject", answer(n.key(), "", false), n.key() + " empty");
      assertEquals("Reject", answer(n.key(), "many", false), n.key() + " not a number");
      assertEquals(Integer.toString(resultOf(n, n.hi())),
          answer(n.key(), "0x" + Integer.toHexString(n.hi()), false), n.key() + " in hex");
      assertEquals(n.normalOnly() ? "Irrelevant" : Integer.toString(resultOf(n, n.lo())),
          answer(n.key(), "" + n.lo(), true), n.key() + " on a discovery session");
    }
  }

  @Test
  void booleanKeysFollowTheirResultFunction() {
    for (Bool b : BOOLEAN) {
      KeyRules.Rule rule = KeyRules.rule(b.key());
      assertEquals(b.kind(), rule.kind(), b.key());
      for (boolean offered : new boolean[] {true, false}) {
        boolean expected = b.kind() == KeyRules.Kind.OR ? offered || b.ours()
            : offered && b.ours();
        assertEquals(expected ? "Yes" : "No", answer(b.key(), offered ? "Yes" : "No", false),
            b.key() + "=" + offered);
      }
      assertEquals("Reject", answer(b.key(), "yes", false), b.key() + " is case-sensitive");
      assertEquals("Reject", answer(b.key(), "Yes,No", false), b.key() + " takes one value");
      assertEquals(b.normalOnly() ? "Irrelevant" : b.ours() ? "Yes" : "No",
          answer(b.key(), "Yes", true), b.key() + " on a discovery session");
    }
  }

  @Test
  void listKeysTakeTheFirstOfferedValueTheTargetSupports() {
    for (String key : List.of("HeaderDigest", "DataDigest")) {
      assertEquals("CRC32C", answer(key, "CRC32C,None", false));
      assertEquals("None", answer(key, "None,CRC32C", false));
      assertEquals("CRC32C", answer(key, "MD5,CRC32C", false), "unknown values are skipped");
      assertEquals("Reject", answer(key, "MD5", false));
      assertEquals("Reject", answer(key, "", false));
      assertEquals("None", answer(key, "None", true), "digests apply to discovery too");
    }
    assertEquals("RFC3720", answer("TaskReporting", "ResponseFence,RFC3720", false));
    assertEquals("Reject", answer("TaskReporting", "FastAbort", false));
  }

  @Test
  void keysThatNeverApplyAreIrrelevantWhateverTheirValue() {
    for (String key : ALWAYS_IRRELEVANT) {
      assertEquals(KeyRules.Kind.IRRELEVANT, KeyRules.rule(key).kind(), key);
      assertEquals("Irrelevant", answer(key, "anything", false), key);
      assertEquals("Irrelevant", answer(key, "", true), key);
    }
  }

  @Test
  void identityAndAuthenticationKeysAreLeftToTheNegotiator() {
    for (String key : ANSWERED_BY_THE_NEGOTIATOR) {
      assertThrows(IllegalStateException.class, () -> answer(key, "x", false), key);
    }
    assertEquals(KeyRules.Stage.SECURITY, KeyRules.rule("AuthMethod").stage());
    assertEquals(KeyRules.Stage.SECURITY, KeyRules.rule("CHAP_R").stage());
    assertEquals(KeyRules.Stage.LOGIN, KeyRules.rule("HeaderDigest").stage());
  }

  @Test
  void theTableHoldsEveryKeyOnceAndNothingElse() {
    Set<String> expected = new HashSet<>();
    NUMERIC.forEach(n -> expected.add(n.key()));
    BOOLEAN.forEach(b -> expected.add(b.key()));
    expected.addAll(ALWAYS_IRRELEVANT);
    expected.addAll(ANSWERED_BY_THE_NEGOTIATOR);
    expected.addAll(List.of("HeaderDigest", "DataDigest", "TaskReporting"));
    Set<String> actual = new HashSet<>();
    for (KeyRules.Rule r : KeyRules.all()) {
      assertTrue(actual.add(r.key()), "one row for " + r.key());
    }
    assertEquals(expected, actual);
    assertNull(KeyRules.rule("X-com.example.Unknown"));
    assertNull(KeyRules.rule("headerdigest"), "key names are case-sensitive");
  }

  @Test
  void agreedValuesAreRecordedAndRejectedOnesAreNot() {
    OperationalValues v = new OperationalValues();
    store(v, "MaxBurstLength", "1048576");
    assertEquals(524288, v.maxBurstLength, "the minimum of the two");
    store(v, "MaxRecvDataSegmentLength", "4096");
    assertEquals(4096, v.initiatorMrdsl, "the initiator's declaration, not the target's");
    assertTrue(v.targetMrdslDeclared);
    store(v, "InitialR2T", "No");
    assertFalse(v.initialR2T);
    store(v, "HeaderDigest", "CRC32C,None");
    assertTrue(v.headerDigest);
    store(v, "MaxOutstandingR2T", "0");
    assertEquals(1, v.maxOutstandingR2T, "a rejected value leaves the default");
    KeyRules.rule("MaxBurstLength").negotiate("4096", true, LIMITS, v);
    assertEquals(524288, v.maxBurstLength, "an irrelevant key records nothing");
    SessionParameters p = v.parameters(false, "i", null, "t", LIMITS);
    assertEquals(131072, p.targetMaxRecvDataSegmentLength());
    assertEquals(65536, p.firstBurstLength());
  }

  private static void store(OperationalValues v, String key, String offered) {
    assertNotNull(KeyRules.rule(key).store(), key);
    KeyRules.rule(key).negotiate(offered, false, LIMITS, v);
  }
}
