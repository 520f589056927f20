package io.tiergate.iscsi.login;

import io.tiergate.iscsi.auth.ChapAuthenticator;
import io.tiergate.iscsi.auth.ChapCredentials;
import io.tiergate.iscsi.pdu.LoginRequest;
import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Walks one connection through the login phase (RFC 7143 sections 6 and 13).
 *
 * <p>Stages: the initiator starts in the security stage (CSG 0) when it wants to authenticate,
 * or directly in the operational stage (CSG 1) when neither side needs to; a target that
 * requires CHAP refuses the latter. The target lets the initiator transit (T bit) only when the
 * current stage's work is done, and answers a transit to full feature phase (NSG 3) with the
 * final response.
 *
 * <p>Keys: only offered keys are answered, each by its row of {@link KeyRules} (list: first
 * supported value; numerical min/max; boolean AND/OR; declarative); a key without a row gets
 * {@code NotUnderstood}. The names that say who logs in to what are checked by the first
 * request; AuthMethod and the CHAP keys drive the {@link ChapAuthenticator} exchange here.
 * TargetPortalGroupTag goes in the first response of a normal session. After the last key,
 * FirstBurstLength is lowered to MaxBurstLength if it came out larger.
 *
 * <p>Bounds: nothing here is authenticated yet, so what a login may cost is capped in bytes
 * ({@link #MAX_LOGIN_TEXT_BYTES} of text over the whole login, continuations included), in
 * count ({@link #MAX_LOGIN_REQUESTS} requests, {@link #MAX_KEYS_PER_REQUEST} keys in one) and,
 * by the connection, in time. Past a bound the login fails with status 0x0200 (initiator
 * error, class 2: the initiator should not retry the same login) and the connection closes.
 */
public final class LoginNegotiator {
  private static final Logger log = LoggerFactory.getLogger(LoginNegotiator.class);

  /** Stage numbers of CSG and NSG. */
  public static final int SECURITY = 0;
  /** Operational negotiation stage. */
  public static final int OPERATIONAL = 1;
  /** Full feature phase. */
  public static final int FULL_FEATURE = 3;

  /**
   * Key=value text one login may send in all, over every request and continuation. RFC 7143
   * section 6.1 asks a target to accept at least 8,192 bytes in a negotiation sequence, and
   * 64 KiB when an authentication method needs long items; a real login sends one or two KiB.
   * Everything an initiator sends before it authenticates is bounded, so past this the login
   * fails with an initiator error instead of the target gathering more.
   */
  public static final int MAX_LOGIN_TEXT_BYTES = 64 * 1024;
  /**
   * Login Requests one login may send. A CHAP login takes three to five, and the largest
   * allowed text in 8 KiB continuations eight more; a login still going after this many is not
   * one an initiator would make, so it fails rather than costing the event loop for ever.
   */
  public static final int MAX_LOGIN_REQUESTS = 64;
  /**
   * Keys one request may offer. RFC 7143 defines about forty, and every offered key gets an
   * answer that must fit in the initiator's 8 KiB login MaxRecvDataSegmentLength; 64 answers
   * of the longest form (a 63-byte key with NotUnderstood) plus the CHAP keys still fit.
   */
  public static final int MAX_KEYS_PER_REQUEST = 64;

  /** Where the login stands after a response. */
  public enum Outcome {
    /** More requests are expected. */
    CONTINUE,
    /** The login failed; send the response and close the connection. */
    FAILED,
    /** The final response: the connection enters full feature phase. */
    FULL_FEATURE
  }

  /**
   * The response to send for one request.
   *
   * @param transit the T bit
   * @param currentStage CSG
   * @param nextStage NSG
   * @param status class << 8 | detail, see {@link LoginStatus}
   * @param text the response keys
   * @param outcome where the login stands
   */
  public record Reply(boolean transit, int currentStage, int nextStage, int status, byte[] text,
      Outcome outcome) {}

  private final TargetDirectory directory;
  private final NegotiationLimits limits;
  private final String peer;

  /** Text of the request being continued; replaced, not reset, so its buffer is freed. */
  private ByteArrayOutputStream pending = new ByteArrayOutputStream();
  private int requests;
  private long textBytes;
  private boolean first = true;
  private boolean authenticated;
  private boolean tpgtSent;
  private ChapCredentials requiredChap;
  private ChapAuthenticator chap;
  private String authMethod;

  private long isid;
  private int tsih;
  private int cid;
  private boolean discovery;
  private String initiatorName;
  private String initiatorAlias;
  private String targetName;

  private final OperationalValues values = new OperationalValues();

  /**
   * A negotiator for one connection.
   *
   * @param directory the targets served
   * @param limits the target's values for negotiated keys
   * @param peer the initiator's address, for logs
   */
  public LoginNegotiator(TargetDirectory directory, NegotiationLimits limits,
      String peer) {
    this.directory = directory;
    this.limits = limits;
    this.peer = peer;
  }

  /** Handles one Login Request (does not release it). */
  public Reply handle(LoginRequest request) {
    requests++;
    textBytes += request.data().readableBytes();
    if (requests > MAX_LOGIN_REQUESTS || textBytes > MAX_LOGIN_TEXT_BYTES) {
      pending = new ByteArrayOutputStream();
      log.info("login from {}: more than {} requests or {} bytes of text, refused", peer,
          MAX_LOGIN_REQUESTS, MAX_LOGIN_TEXT_BYTES);
      return fail(request, LoginStatus.INITIATOR_ERROR);
    }
    byte[] chunk = TextKeys.bytes(request.data());
    pending.write(chunk, 0, chunk.length);
    if (request.continueFlag()) {
      // Text continues in the next PDU: acknowledge with an empty response (section 6.2).
      return new Reply(false, request.currentStage(), 0, LoginStatus.SUCCESS, new byte[0],
          Outcome.CONTINUE);
    }
    byte[] text = pending.toByteArray();
    pending = new ByteArrayOutputStream();
    Map<String, String> offered;
    try {
      offered = TextKeys.parse(text);
    } catch (TextKeys.MalformedTextException e) {
      log.info("login from {}: {}", peer, e.getMessage());
      return fail(request, LoginStatus.INITIATOR_ERROR);
    }
    if (offered.size() > MAX_KEYS_PER_REQUEST) {
      log.info("login from {}: {} keys in one request, more than {}", peer, offered.size(),
          MAX_KEYS_PER_REQUEST);
      return fail(request, LoginStatus.INITIATOR_ERROR);
    }
    int csg = request.currentStage();
    if (csg != SECURITY && csg != OPERATIONAL) {
      return fail(request, LoginStatus.INVALID_DURING_LOGIN);
    }
    if (request.transit() && (request.nextStage() <= csg || request.nextStage() == 2)) {
      return fail(request, LoginStatus.INITIATOR_ERROR);
    }
    Map<String, String> answer = new LinkedHashMap<>();
    if (first) {
      first = false;
      if (request.versionMin() > 0) {
        return fail(request, LoginStatus.UNSUPPORTED_VERSION);
      }
      isid = request.isid();
      tsih = request.tsih();
      cid = request.cid();
      int status = identify(offered);
      if (status != LoginStatus.SUCCESS) {
        return fail(request, status);
      }
    } else if (request.isid() != isid || request.tsih() != tsih) {
      return fail(request, LoginStatus.INITIATOR_ERROR);
    }
    if (!discovery && !tpgtSent) {
      answer.put("TargetPortalGroupTag", Integer.toString(directory.portalGroupTag()));
      tpgtSent = true;
    }
    int status = negotiate(offered, answer, csg);
    if (status != LoginStatus.SUCCESS) {
      return fail(request, status, answer);
    }
    return advance(request, csg, answer);
  }

  /** Decides whether the request may leave its stage, once its keys were answered. */
  private Reply advance(LoginRequest request, int csg, Map<String, String> answer) {
    if (csg == OPERATIONAL && requiredChap != null && !authenticated) {
      log.info("login from {}: skipped the security stage but CHAP is required", peer);
      return fail(request, LoginStatus.AUTHENTICATION_FAILURE);
    }
    if (csg == SECURITY && requiredChap == null && authMethod == null && request.transit()) {
      // The initiator moved on without offering AuthMethod: nothing to authenticate.
      authenticated = true;
    }
    boolean transit = false;
    int nsg = 0;
    if (request.transit()) {
      boolean stageDone = csg == OPERATIONAL || authenticated;
      if (stageDone) {
        transit = true;
        nsg = request.nextStage();
      } else if (authMethod == null && requiredChap != null) {
        return fail(request, LoginStatus.AUTHENTICATION_FAILURE);
      }
    }
    if (transit && nsg == FULL_FEATURE) {
      if (values.firstBurstLength > values.maxBurstLength) {
        values.firstBurstLength = values.maxBurstLength;
      }
      return new Reply(true, csg, nsg, LoginStatus.SUCCESS, TextKeys.encode(answer),
          Outcome.FULL_FEATURE);
    }
    return new Reply(transit, csg, nsg, LoginStatus.SUCCESS, TextKeys.encode(answer),
        Outcome.CONTINUE);
  }

  /** Checks the declarative keys of the first request: who logs in, to what. */
  private int identify(Map<String, String> offered) {
    initiatorName = offered.get("InitiatorName");
    initiatorAlias = offered.get("InitiatorAlias");
    if (initiatorName == null || initiatorName.isEmpty()) {
      return LoginStatus.MISSING_PARAMETER;
    }
    String type = offered.getOrDefault("SessionType", "Normal");
    if (type.equals("Discovery")) {
      discovery = true;
      requiredChap = directory.discoveryChap();
      return LoginStatus.SUCCESS;
    }
    if (!type.equals("Normal")) {
      return LoginStatus.INITIATOR_ERROR;
    }
    targetName = offered.get("TargetName");
    if (targetName == null || targetName.isEmpty()) {
      return LoginStatus.MISSING_PARAMETER;
    }
    TargetDirectory.Entry target = directory.target(targetName);
    if (target == null) {
      log.info("login from {}: no target {}", peer, targetName);
      return LoginStatus.NOT_FOUND;
    }
    if (!target.allows(initiatorName)) {
      log.info("login from {}: {} is not allowed to access {}", peer, initiatorName,
          targetName);
      return LoginStatus.AUTHORIZATION_FAILURE;
    }
    requiredChap = target.chap();
    return LoginStatus.SUCCESS;
  }

  /**
   * Answers every offered key into {@code answer} by its {@link KeyRules} row; returns a
   * failure status or SUCCESS.
   */
  private int negotiate(Map<String, String> offered, Map<String, String> answer, int csg) {
    Map<String, String> chapKeys = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : offered.entrySet()) {
      String key = e.getKey();
      String value = e.getValue();
      KeyRules.Rule rule = KeyRules.rule(key);
      if (rule == null) {
        answer.put(key, KeyRules.NOT_UNDERSTOOD);
        continue;
      }
      if (rule.stage() == KeyRules.Stage.SECURITY && csg != SECURITY
          && rule.kind() != KeyRules.Kind.CHAP) {
        answer.put(key, KeyRules.IRRELEVANT);
        continue;
      }
      switch (rule.kind()) {
        case IDENTITY:
          break;
        case AUTH_METHOD:
          if (!authMethod(value, answer)) {
            return LoginStatus.AUTHENTICATION_FAILURE;
          }
          break;
        case CHAP:
          if (key.equals("CHAP_A")) {
            int status = chapChallenge(value, answer);
            if (status != LoginStatus.SUCCESS) {
              return status;
            }
          } else {
            chapKeys.put(key, value);
          }
          break;
        default:
          answer.put(key, rule.negotiate(value, discovery, limits, values));
      }
    }
    if (answer.containsKey("FirstBurstLength") && !discovery && values.initialR2T
        && !values.immediateData) {
      // No unsolicited data at all: the key does not apply (RFC 7143 section 13.14).
      answer.put("FirstBurstLength", KeyRules.IRRELEVANT);
    }
    return chapResponse(chapKeys, answer);
  }

  /** Answers AuthMethod with the target's one method; false when it was not offered. */
  private boolean authMethod(String value, Map<String, String> answer) {
    String want = requiredChap != null ? "CHAP" : "None";
    if (!contains(value, want)) {
      answer.put("AuthMethod", KeyRules.REJECT);
      return false;
    }
    authMethod = want;
    answer.put("AuthMethod", want);
    if (requiredChap == null) {
      authenticated = true;
    } else {
      chap = new ChapAuthenticator(requiredChap);
    }
    return true;
  }

  /** Answers CHAP_A with the target's challenge. */
  private int chapChallenge(String value, Map<String, String> answer) {
    if (chap == null) {
      return LoginStatus.INITIATOR_ERROR;
    }
    ChapAuthenticator.Step step = chap.challenge(value);
    answer.putAll(step.keys());
    return step.status() == ChapAuthenticator.Status.OK ? LoginStatus.SUCCESS
        : LoginStatus.AUTHENTICATION_FAILURE;
  }

  /** Checks the initiator's CHAP response (and answers a mutual CHAP challenge), if any. */
  private int chapResponse(Map<String, String> keys, Map<String, String> answer) {
    String name = keys.get("CHAP_N");
    String response = keys.get("CHAP_R");
    if (name != null || response != null) {
      if (chap == null) {
        return LoginStatus.AUTHENTICATION_FAILURE;
      }
      ChapAuthenticator.Step step = chap.verify(name, response, keys.get("CHAP_I"),
          keys.get("CHAP_C"));
      if (step.status() != ChapAuthenticator.Status.OK) {
        return LoginStatus.AUTHENTICATION_FAILURE;
      }
      answer.putAll(step.keys());
      authenticated = true;
    } else if (keys.containsKey("CHAP_I") || keys.containsKey("CHAP_C")) {
      return LoginStatus.AUTHENTICATION_FAILURE;
    }
    return LoginStatus.SUCCESS;
  }

  private static boolean contains(String list, String value) {
    for (String v : list.split(",", -1)) {
      if (v.equals(value)) {
        return true;
      }
    }
    return false;
  }

  private Reply fail(LoginRequest request, int status) {
    return fail(request, status, Map.of());
  }

  private Reply fail(LoginRequest request, int status, Map<String, String> answer) {
    log.info("login from {} ({}) failed with status 0x{}", peer, initiatorName,
        String.format("%04x", status));
    return new Reply(false, request.currentStage(), 0, status, TextKeys.encode(answer),
        Outcome.FAILED);
  }

  /** The agreed parameters; meaningful once {@link Outcome#FULL_FEATURE} was returned. */
  public SessionParameters parameters() {
    return values.parameters(discovery, initiatorName, initiatorAlias, targetName, limits);
  }

  /** The InitiatorName offered, or null before it was. */
  public String initiatorName() {
    return initiatorName;
  }

  /** The TargetName offered (null for discovery or before it was). */
  public String targetName() {
    return targetName;
  }

  /** The ISID of the first request. */
  public long isid() {
    return isid;
  }

  /** The TSIH of the first request (0 for a new session). */
  public int tsih() {
    return tsih;
  }

  /** The connection id of the first request. */
  public int cid() {
    return cid;
  }
}
