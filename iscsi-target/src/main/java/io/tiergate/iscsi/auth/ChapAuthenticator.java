package io.tiergate.iscsi.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The target's side of one CHAP exchange (RFC 7143 section 12.1.3), for one login.
 *
 * <p>Two steps: {@link #challenge} answers the initiator's CHAP_A with the algorithm, an
 * identifier and a random challenge; {@link #verify} checks the initiator's CHAP_N/CHAP_R and,
 * for mutual CHAP, answers the initiator's own CHAP_I/CHAP_C. Only MD5 (algorithm 5) is offered.
 */
public final class ChapAuthenticator {
  private static final Logger log = LoggerFactory.getLogger(ChapAuthenticator.class);
  private static final String MD5 = "5";
  private static final int CHALLENGE_BYTES = 16;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The outcome of a CHAP step. */
  public enum Status {
    /** The step succeeded; send the keys. */
    OK,
    /** Authentication failed: end the login with status 0x0201. */
    FAILED
  }

  /**
   * A step's outcome with the keys to send back.
   *
   * @param status whether the step succeeded
   * @param keys the response keys, in order
   */
  public record Step(Status status, Map<String, String> keys) {}

  private final ChapCredentials credentials;
  private int identifier = -1;
  private byte[] challenge;
  private boolean started;

  /** An exchange that checks the initiator against {@code credentials}. */
  public ChapAuthenticator(ChapCredentials credentials) {
    this.credentials = credentials;
  }

  /** Whether a challenge has been sent and awaits a response. */
  public boolean challenged() {
    return challenge != null;
  }

  /** Answers CHAP_A, the initiator's list of algorithms. */
  public Step challenge(String offeredAlgorithms) {
    Map<String, String> keys = new LinkedHashMap<>();
    boolean md5 = false;
    for (String a : offeredAlgorithms.split(",", -1)) {
      if (a.trim().equals(MD5)) {
        md5 = true;
        break;
      }
    }
    if (!md5 || started) {
      keys.put("CHAP_A", "Reject");
      return new Step(Status.FAILED, keys);
    }
    started = true;
    identifier = RANDOM.nextInt(256);
    challenge = new byte[CHALLENGE_BYTES];
    RANDOM.nextBytes(challenge);
    keys.put("CHAP_A", MD5);
    keys.put("CHAP_I", Integer.toString(identifier));
    keys.put("CHAP_C", "0x" + hex(challenge));
    return new Step(Status.OK, keys);
  }

  /**
   * Checks the initiator's response; with {@code mutualId}/{@code mutualChallenge} (both or
   * neither non-null) also answers the initiator's challenge.
   */
  public Step verify(String name, String response, String mutualId, String mutualChallenge) {
    Map<String, String> keys = new LinkedHashMap<>();
    byte[] sent = challenge;
    // One use per challenge: a second attempt needs a new login.
    challenge = null;
    if (sent == null || name == null || response == null) {
      log.info("CHAP: response without challenge, name or value");
      return new Step(Status.FAILED, keys);
    }
    byte[] received = decode(response);
    byte[] expected = md5(identifier, credentials.secret(), sent);
    boolean nameOk = MessageDigest.isEqual(name.getBytes(StandardCharsets.UTF_8),
        credentials.user().getBytes(StandardCharsets.UTF_8));
    boolean responseOk = received != null && MessageDigest.isEqual(expected, received);
    if (!(nameOk & responseOk)) {
      log.info("CHAP: authentication failed for name '{}'", name);
      return new Step(Status.FAILED, keys);
    }
    if (mutualId == null && mutualChallenge == null) {
      return new Step(Status.OK, keys);
    }
    if (mutualId == null || mutualChallenge == null || !credentials.hasMutual()) {
      log.info("CHAP: mutual authentication requested but not possible");
      return new Step(Status.FAILED, keys);
    }
    byte[] theirChallenge = decode(mutualChallenge);
    int theirId;
    try {
      theirId = Integer.parseInt(mutualId.trim());
    } catch (NumberFormatException e) {
      return new Step(Status.FAILED, keys);
    }
    if (theirChallenge == null || theirChallenge.length == 0 || theirId < 0 || theirId > 255) {
      return new Step(Status.FAILED, keys);
    }
    if (MessageDigest.isEqual(sent, theirChallenge)) {
      log.warn("CHAP: reflected challenge refused");
      return new Step(Status.FAILED, keys);
    }
    keys.put("CHAP_N", credentials.mutualUser());
    keys.put("CHAP_R", "0x" + hex(md5(theirId, credentials.mutualSecret(), theirChallenge)));
    return new Step(Status.OK, keys);
  }

  static byte[] md5(int id, byte[] secret, byte[] challenge) {
    try {
      MessageDigest md = MessageDigest.getInstance("MD5");
      md.update((byte) id);
      md.update(secret);
      md.update(challenge);
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 unavailable", e);
    }
  }

  /** Decodes a CHAP binary value: 0x/0X hex or 0b/0B base64; null if malformed. */
  static byte[] decode(String value) {
    String v = value.trim();
    if (v.length() < 3 || v.charAt(0) != '0') {
      return null;
    }
    char kind = v.charAt(1);
    String body = v.substring(2);
    try {
      if (kind == 'x' || kind == 'X') {
        if (body.length() % 2 != 0) {
          body = "0" + body;
        }
        byte[] out = new byte[body.length() / 2];
        for (int i = 0; i < out.length; i++) {
          int hi = Character.digit(body.charAt(2 * i), 16);
          int lo = Character.digit(body.charAt(2 * i + 1), 16);
          if (hi < 0 || lo < 0) {
            return null;
          }
          out[i] = (byte) ((hi << 4) | lo);
        }
        return out;
      }
      if (kind == 'b' || kind == 'B') {
        return Base64.getDecoder().decode(body);
      }
    } catch (IllegalArgumentException e) {
      return null;
    }
    return null;
  }

  static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) {
      sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
    }
    return sb.toString();
  }
}
