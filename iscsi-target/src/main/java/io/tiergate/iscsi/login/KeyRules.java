package io.tiergate.iscsi.login;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The login keys of RFC 7143 section 13, one row per key: the stage it belongs to, the
 * sessions it applies to, how its answer is reached (section 6.2: list, numerical minimum or
 * maximum, boolean OR or AND, declarative), the legal range of a numerical value, the target's
 * own value, and where an agreed value is recorded. Adding a key is adding a row here; a key
 * without a row is answered {@code NotUnderstood}.
 *
 * <p>A key that does not apply (a normal-session key on a discovery session, or a key only a
 * target declares) is answered {@code Irrelevant} whatever its value; a malformed or
 * out-of-range value of one that applies is answered {@code Reject} and nothing is recorded.
 */
final class KeyRules {

  /** The login stage a key belongs to. */
  enum Stage {
    /** Either stage of the login. */
    LOGIN,
    /** The security stage only; offered in the operational stage it is Irrelevant. */
    SECURITY
  }

  /** The sessions a key applies to; on others it is Irrelevant. */
  enum Sessions {
    /** Discovery and normal sessions. */
    ALL,
    /** Normal sessions only. */
    NORMAL
  }

  /** How the answer to an offered key is reached. */
  enum Kind {
    /** Who logs in to what: checked when the login starts, not answered. */
    IDENTITY,
    /** AuthMethod: the target's one method if offered, which depends on the target. */
    AUTH_METHOD,
    /** A step of the CHAP exchange, answered by it (which fails a login outside one). */
    CHAP,
    /** A number the initiator declares; the target declares its own value in return. */
    DECLARATIVE,
    /** The first offered value the target supports. */
    LIST,
    /** The lesser of the offered number and the target's. */
    MIN,
    /** The greater of the offered number and the target's. */
    MAX,
    /** The offered boolean OR the target's. */
    OR,
    /** The offered boolean AND the target's. */
    AND,
    /** Always Irrelevant: a key only targets declare, or one this target does not use. */
    IRRELEVANT
  }

  /** Records an agreed value. */
  @FunctionalInterface
  interface Store {
    /**
     * Records one key's outcome.
     *
     * @param values the login's agreed values
     * @param offered the value the initiator offered
     * @param answer the value answered (the agreed one)
     */
    void store(OperationalValues values, String offered, String answer);
  }

  /**
   * One key's rule.
   *
   * @param key the key name
   * @param stage the login stage it belongs to
   * @param sessions the sessions it applies to
   * @param kind how its answer is reached
   * @param lo the least legal number (numerical kinds)
   * @param hi the greatest legal number (numerical kinds)
   * @param ours the target's value: a number, or 1 for Yes and 0 for No (boolean kinds)
   * @param supported the values the target supports, in its order of preference (lists)
   * @param store where an agreed value is recorded, or null when it is not needed
   */
  record Rule(String key, Stage stage, Sessions sessions, Kind kind, int lo, int hi,
      ToIntFunction<NegotiationLimits> ours, List<String> supported, Store store) {

    /**
     * Answers an offered value and records the agreed one, for the negotiable kinds.
     *
     * @throws IllegalStateException for the kinds the negotiator answers itself
     */
    String negotiate(String offered, boolean discovery, NegotiationLimits limits,
        OperationalValues values) {
      String result = answer(offered, discovery, limits);
      if (store != null && !result.equals(REJECT) && !result.equals(IRRELEVANT)) {
        store.store(values, offered, result);
      }
      return result;
    }

    /**
     * The answer to an offered value, for the negotiable kinds.
     *
     * @throws IllegalStateException for the kinds the negotiator answers itself
     */
    String answer(String offered, boolean discovery, NegotiationLimits limits) {
      if (kind == Kind.IRRELEVANT || (sessions == Sessions.NORMAL && discovery)) {
        return IRRELEVANT;
      }
      switch (kind) {
        case LIST:
          return firstSupported(offered);
        case DECLARATIVE:
        case MIN:
        case MAX: {
          int v = number(offered, lo, hi);
          if (v < 0) {
            return REJECT;
          }
          int target = ours.applyAsInt(limits);
          int result = kind == Kind.MIN ? Math.min(v, target)
              : kind == Kind.MAX ? Math.max(v, target) : target;
          return Integer.toString(result);
        }
        case OR:
        case AND: {
          Boolean v = bool(offered);
          if (v == null) {
            return REJECT;
          }
          boolean target = ours.applyAsInt(limits) != 0;
          return yesNo(kind == Kind.OR ? v || target : v && target);
        }
        default:
          throw new IllegalStateException(key + " is answered by the negotiator");
      }
    }

    private String firstSupported(String offered) {
      for (String v : offered.split(",", -1)) {
        if (supported.contains(v)) {
          return v;
        }
      }
      return REJECT;
    }
  }

  static final String IRRELEVANT = "Irrelevant";
  static final String REJECT = "Reject";
  static final String NOT_UNDERSTOOD = "NotUnderstood";

  private static final int MAX_SEGMENT = 16777215;

  /** The table, in RFC 7143 section 13 order where it has one. */
  private static final Map<String, Rule> RULES = table(
      fixed("InitiatorName", Kind.IDENTITY),
      fixed("InitiatorAlias", Kind.IDENTITY),
      fixed("TargetName", Kind.IDENTITY),
      fixed("SessionType", Kind.IDENTITY),
      new Rule("AuthMethod", Stage.SECURITY, Sessions.ALL, Kind.AUTH_METHOD, 0, 0, null,
          List.of("CHAP", "None"), null),
      chap("CHAP_A"), chap("CHAP_N"), chap("CHAP_R"), chap("CHAP_I"), chap("CHAP_C"),
      list("HeaderDigest", List.of("CRC32C", "None"),
          (v, offered, answer) -> v.headerDigest = answer.equals("CRC32C")),
      list("DataDigest", List.of("CRC32C", "None"),
          (v, offered, answer) -> v.dataDigest = answer.equals("CRC32C")),
      number("MaxConnections", Sessions.ALL, Kind.MIN, 1, 65535, l -> 1, null),
      list("TaskReporting", List.of("RFC3720"), null),
      fixed("TargetAlias", Kind.IRRELEVANT),
      fixed("TargetAddress", Kind.IRRELEVANT),
      fixed("TargetPortalGroupTag", Kind.IRRELEVANT),
      bool("InitialR2T", Kind.OR, false,
          (v, offered, answer) -> v.initialR2T = answer.equals("Yes")),
      bool("ImmediateData", Kind.AND, true,
          (v, offered, answer) -> v.immediateData = answer.equals("Yes")),
      number("MaxRecvDataSegmentLength", Sessions.ALL, Kind.DECLARATIVE, 512, MAX_SEGMENT,
          NegotiationLimits::maxRecvDataSegmentLength, (v, offered, answer) -> {
            v.initiatorMrdsl = number(offered, 512, MAX_SEGMENT);
            v.targetMrdslDeclared = true;
          }),
      number("MaxBurstLength", Sessions.NORMAL, Kind.MIN, 512, MAX_SEGMENT,
          NegotiationLimits::maxBurstLength,
          (v, offered, answer) -> v.maxBurstLength = Integer.parseInt(answer)),
      number("FirstBurstLength", Sessions.NORMAL, Kind.MIN, 512, MAX_SEGMENT,
          NegotiationLimits::firstBurstLength,
          (v, offered, answer) -> v.firstBurstLength = Integer.parseInt(answer)),
      number("DefaultTime2Wait", Sessions.ALL, Kind.MAX, 0, 3600, l -> 2, null),
      number("DefaultTime2Retain", Sessions.ALL, Kind.MIN, 0, 3600, l -> 0, null),
      number("MaxOutstandingR2T", Sessions.NORMAL, Kind.MIN, 1, 65535,
          NegotiationLimits::maxOutstandingR2T,
          (v, offered, answer) -> v.maxOutstandingR2T = Integer.parseInt(answer)),
      bool("DataPDUInOrder", Kind.OR, true, null),
      bool("DataSequenceInOrder", Kind.OR, true, null),
      number("ErrorRecoveryLevel", Sessions.ALL, Kind.MIN, 0, 2, l -> 0, null),
      new Rule("IFMarker", Stage.LOGIN, Sessions.ALL, Kind.AND, 0, 0, l -> 0, List.of(), null),
      new Rule("OFMarker", Stage.LOGIN, Sessions.ALL, Kind.AND, 0, 0, l -> 0, List.of(), null),
      fixed("IFMarkInt", Kind.IRRELEVANT),
      fixed("OFMarkInt", Kind.IRRELEVANT),
      number("iSCSIProtocolLevel", Sessions.ALL, Kind.MIN, 0, 31, l -> 1, null),
      new Rule("RDMAExtensions", Stage.LOGIN, Sessions.ALL, Kind.AND, 0, 0, l -> 0, List.of(),
          null),
      fixed("InitiatorRecvDataSegmentLength", Kind.IRRELEVANT),
      fixed("TargetRecvDataSegmentLength", Kind.IRRELEVANT));

  private KeyRules() {}

  /** The rule for a key, or null when the key is not one this target knows. */
  static Rule rule(String key) {
    return RULES.get(key);
  }

  /** Every rule, in table order. */
  static List<Rule> all() {
    return List.copyOf(RULES.values());
  }

  /** A decimal (or 0x hex) number within [lo, hi], or -1. */
  static int number(String value, int lo, int hi) {
    try {
      long v = value.startsWith("0x") || value.startsWith("0X")
          ? Long.parseLong(value.substring(2), 16) : Long.parseLong(value);
      return v < lo || v > hi ? -1 : (int) v;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static Boolean bool(String value) {
    if (value.equals("Yes")) {
      return Boolean.TRUE;
    }
    if (value.equals("No")) {
      return Boolean.FALSE;
    }
    return null;
  }

  private static String yesNo(boolean v) {
    return v ? "Yes" : "No";
  }

  private static Rule fixed(String key, Kind kind) {
    return new Rule(key, Stage.LOGIN, Sessions.ALL, kind, 0, 0, null, List.of(), null);
  }

  private static Rule chap(String key) {
    return new Rule(key, Stage.SECURITY, Sessions.ALL, Kind.CHAP, 0, 0, null, List.of(), null);
  }

  private static Rule list(String key, List<String> supported, Store store) {
    return new Rule(key, Stage.LOGIN, Sessions.ALL, Kind.LIST, 0, 0, null, supported, store);
  }

  private static Rule number(String key, Sessions sessions, Kind kind, int lo, int hi,
      ToIntFunction<NegotiationLimits> ours, Store store) {
    return new Rule(key, Stage.LOGIN, sessions, kind, lo, hi, ours, List.of(), store);
  }

  private static Rule bool(String key, Kind kind, boolean ours, Store store) {
    int value = ours ? 1 : 0;
    return new Rule(key, Stage.LOGIN, Sessions.NORMAL, kind, 0, 0, l -> value, List.of(),
        store);
  }

  private static Map<String, Rule> table(Rule... rules) {
    Map<String, Rule> m = new LinkedHashMap<>();
    for (Rule r : rules) {
      if (m.put(r.key(), r) != null) {
        throw new IllegalStateException("two rules for " + r.key());
      }
    }
    return Collections.unmodifiableMap(m);
  }
}
