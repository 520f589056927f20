package io.tiergate.gateway.admin;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Who may use the admin API.
 *
 * <p>Credentials: the admin password, kept only as a salted PBKDF2-HMAC-SHA-256 hash (600,000
 * iterations, per OWASP 2023; the count is stored with the hash so it can be raised); API
 * tokens for scripts, kept only as SHA-256 hashes (a token is 256 random bits, so a fast hash
 * suffices); login sessions handed out for the password, kept in memory for 12 hours; and the
 * local credential, a token written at every start to {@code admin/local-credential}
 * (readable by the owner only) so that administration on the appliance itself needs no login.
 * All in {@code admin/credentials.json}, mode 0600.
 *
 * <p>Every comparison of a secret is of fixed-length hashes with {@link MessageDigest#isEqual}.
 * Failed logins are limited per client address: after {@value #MAX_FAILURES} in a minute,
 * further attempts are refused until the minute has passed. An attempt is reserved (counted
 * as a failure) before its password is hashed and given back when it succeeds, so parallel
 * attempts cannot all pass the check while their hashes run.
 *
 * <p>Roles: {@code admin} may do everything; {@code read-only} tokens (for monitoring) may
 * only read, and get 403 on anything else.
 */
final class AccessControl {
  static final int PASSWORD_MIN_LENGTH = 12;
  static final int MAX_FAILURES = 5;
  static final long FAILURE_WINDOW_MILLIS = 60_000;
  private static final int MAX_TRACKED_CLIENTS = 10_000;
  private static final int ITERATIONS = 600_000;
  private static final long SESSION_MILLIS = 12 * 3600_000L;
  private static final String PREFIX = "tg_";

  /** An authenticated caller. */
  record Principal(String name, String role) {
    boolean mayWrite() {
      return "admin".equals(role);
    }
  }

  private record Token(String id, String name, String role, byte[] hash, Instant created) {}

  private record Session(byte[] hash, long expiresMillis) {}

  private final Path file;
  private final Path localFile;
  private final SecureRandom random = new SecureRandom();
  private Map<String, Object> passwordHash;
  private final List<Token> tokens = new ArrayList<>();
  private final List<Session> sessions = new ArrayList<>();
  private byte[] localHash;
  private final Map<String, ArrayDeque<Long>> failures = new ConcurrentHashMap<>();

  AccessControl(Path adminDir) {
    this.file = adminDir.resolve("credentials.json");
    this.localFile = adminDir.resolve("local-credential");
    load();
  }

  @SuppressWarnings("unchecked")
  private void load() {
    if (!Files.exists(file)) {
      return;
    }
    try {
      Map<String, Object> m = Json.parseObject(Files.readString(file));
      passwordHash = (Map<String, Object>) m.get("password");
      for (Object o : (List<Object>) m.getOrDefault("tokens", List.of())) {
        Map<String, Object> t = (Map<String, Object>) o;
        tokens.add(new Token((String) t.get("id"), (String) t.get("name"), (String) t.get("role"),
            Base64.getDecoder().decode((String) t.get("hash")),
            Instant.parse((String) t.get("created"))));
      }
    } catch (java.io.IOException | RuntimeException e) {
      throw new IllegalStateException("cannot read " + file + ": it is damaged", e);
    }
  }

  private void save() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("password", passwordHash);
    List<Object> ts = new ArrayList<>();
    for (Token t : tokens) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("id", t.id());
      x.put("name", t.name());
      x.put("role", t.role());
      x.put("hash", Base64.getEncoder().encodeToString(t.hash()));
      x.put("created", t.created().toString());
      ts.add(x);
    }
    m.put("tokens", ts);
    SecureFiles.write(file, Json.encode(m).getBytes(StandardCharsets.UTF_8));
  }

  /** Writes a fresh local credential; the previous one stops working. */
  synchronized void issueLocalCredential() {
    String token = newToken();
    localHash = sha256(token);
    SecureFiles.write(localFile, (token + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /** Removes the local credential file (at shutdown). */
  synchronized void revokeLocalCredential() {
    localHash = null;
    try {
      Files.deleteIfExists(localFile);
    } catch (java.io.IOException e) {
      // a stale file holds a token nobody accepts any more
    }
  }

  synchronized boolean passwordSet() {
    return passwordHash != null;
  }

  /** Sets the admin password (policy checked by the caller). */
  synchronized void setPassword(char[] password) {
    byte[] salt = new byte[16];
    random.nextBytes(salt);
    Map<String, Object> h = new LinkedHashMap<>();
    h.put("algorithm", "PBKDF2WithHmacSHA256");
    h.put("iterations", (long) ITERATIONS);
    h.put("salt", Base64.getEncoder().encodeToString(salt));
    h.put("hash", Base64.getEncoder().encodeToString(pbkdf2(password, salt, ITERATIONS)));
    passwordHash = h;
    sessions.clear();
    save();
  }

  /** Whether {@code password} is the admin password. */
  boolean checkPassword(char[] password) {
    Map<String, Object> h;
    synchronized (this) {
      h = passwordHash;
    }
    if (h == null) {
      return false;
    }
    byte[] salt = Base64.getDecoder().decode((String) h.get("salt"));
    byte[] expected = Base64.getDecoder().decode((String) h.get("hash"));
    int iterations = ((Number) h.get("iterations")).intValue();
    return MessageDigest.isEqual(expected, pbkdf2(password, salt, iterations));
  }

  /** Starts a login session; returns its bearer token. */
  synchronized String newSession() {
    String token = newToken();
    long now = System.currentTimeMillis();
    sessions.removeIf(s -> s.expiresMillis() < now);
    sessions.add(new Session(sha256(token), now + SESSION_MILLIS));
    return token;
  }

  /** Creates an API token; returns its id and the token itself (shown once). */
  synchronized String[] newApiToken(String name, String role) {
    String token = newToken();
    byte[] idBytes = new byte[6];
    random.nextBytes(idBytes);
    String id = "tok-" + java.util.HexFormat.of().formatHex(idBytes);
    tokens.add(new Token(id, name, role, sha256(token), Instant.now()));
    save();
    return new String[] {id, token};
  }

  synchronized List<Map<String, Object>> listTokens() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (Token t : tokens) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", t.id());
      m.put("name", t.name());
      m.put("role", t.role());
      m.put("created", t.created().toString());
      out.add(m);
    }
    return out;
  }

  synchronized boolean revokeToken(String id) {
    boolean removed = tokens.removeIf(t -> t.id().equals(id));
    if (removed) {
      save();
    }
    return removed;
  }

  /** The caller a bearer token belongs to, or null. */
  synchronized Principal authenticate(String bearer) {
    if (bearer == null || !bearer.startsWith(PREFIX) || bearer.length() > 100) {
      return null;
    }
    byte[] h = sha256(bearer);
    if (localHash != null && MessageDigest.isEqual(localHash, h)) {
      return new Principal("local", "admin");
    }
    long now = System.currentTimeMillis();
    for (Session s : sessions) {
      if (MessageDigest.isEqual(s.hash(), h) && s.expiresMillis() > now) {
        return new Principal("admin", "admin");
      }
    }
    for (Token t : tokens) {
      if (MessageDigest.isEqual(t.hash(), h)) {
        return new Principal("token:" + t.name(), t.role());
      }
    }
    return null;
  }

  /** Milliseconds until {@code client} may try again, or 0 if it may now. */
  long retryAfterMillis(String client) {
    ArrayDeque<Long> q = failures.get(client);
    if (q == null) {
      return 0;
    }
    synchronized (q) {
      return waitLocked(q, System.currentTimeMillis());
    }
  }

  private static long waitLocked(ArrayDeque<Long> q, long now) {
    while (!q.isEmpty() && q.peekFirst() < now - FAILURE_WINDOW_MILLIS) {
      q.removeFirst();
    }
    return q.size() < MAX_FAILURES ? 0 : q.peekFirst() + FAILURE_WINDOW_MILLIS - now;
  }

  /**
   * Reserves a login attempt for {@code client} before its password is hashed, counted as a
   * failure until {@link #succeeded} takes it back: parallel attempts cannot all pass the
   * check while the hashes run. Returns 0 when reserved, else the milliseconds to wait.
   */
  long reserveAttempt(String client) {
    if (failures.size() > MAX_TRACKED_CLIENTS) {
      // Many addresses failing at once: forget those whose window has passed, so the
      // bookkeeping cannot grow without bound.
      failures.keySet().removeIf(c -> retryAfterMillis(c) == 0);
    }
    ArrayDeque<Long> q = failures.computeIfAbsent(client, c -> new ArrayDeque<>());
    synchronized (q) {
      long now = System.currentTimeMillis();
      long wait = waitLocked(q, now);
      if (wait > 0) {
        return wait;
      }
      q.addLast(now);
      return 0;
    }
  }

  /** The attempt {@code client} reserved succeeded: it no longer counts as a failure. */
  void succeeded(String client) {
    ArrayDeque<Long> q = failures.get(client);
    if (q != null) {
      synchronized (q) {
        q.pollLast();
      }
    }
  }

  /** Checks the admin password policy; returns an error message or null. */
  static String passwordProblem(char[] password) {
    if (password.length < PASSWORD_MIN_LENGTH) {
      return "password must have at least " + PASSWORD_MIN_LENGTH + " characters";
    }
    if (password.length > 1024) {
      return "password must have at most 1024 characters";
    }
    return null;
  }

  private String newToken() {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] pbkdf2(char[] password, byte[] salt, int iterations) {
    PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, 256);
    try {
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec)
          .getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2 unavailable", e);
    } finally {
      spec.clearPassword();
    }
  }

  @Override
  public String toString() {
    return "AccessControl[passwordSet=" + (passwordHash != null) + ", tokens=" + tokens.size()
        + "]";
  }

  static void wipe(char[] c) {
    if (c != null) {
      Arrays.fill(c, '\0');
    }
  }
}
