package io.tiergate.iscsi.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;

/**
 * CHAP secrets for one target (or for discovery): the name and secret the initiator must prove
 * it knows, and optionally the name and secret the target answers mutual CHAP with.
 */
public final class ChapCredentials {
  private final String user;
  private final byte[] secret;
  private final String mutualUser;
  private final byte[] mutualSecret;

  private ChapCredentials(String user, byte[] secret, String mutualUser, byte[] mutualSecret) {
    this.user = Objects.requireNonNull(user, "user");
    this.secret = secret.clone();
    this.mutualUser = mutualUser;
    this.mutualSecret = mutualSecret == null ? null : mutualSecret.clone();
    if (this.mutualSecret != null && Arrays.equals(this.secret, this.mutualSecret)) {
      // RFC 7143 12.1.3: one secret in both directions lets an attacker reflect challenges.
      throw new IllegalArgumentException("mutual CHAP secret must differ from the initiator's");
    }
  }

  /** One-way CHAP: the initiator authenticates as {@code user} with {@code secret}. */
  public static ChapCredentials of(String user, String secret) {
    return new ChapCredentials(user, secret.getBytes(StandardCharsets.UTF_8), null, null);
  }

  /** Mutual CHAP: the target in turn answers as {@code targetUser} with {@code targetSecret}. */
  public static ChapCredentials mutual(String user, String secret, String targetUser,
      String targetSecret) {
    return new ChapCredentials(user, secret.getBytes(StandardCharsets.UTF_8),
        Objects.requireNonNull(targetUser, "targetUser"),
        targetSecret.getBytes(StandardCharsets.UTF_8));
  }

  /** The name the initiator must present (CHAP_N). */
  public String user() {
    return user;
  }

  /** Whether the target can authenticate itself to the initiator. */
  public boolean hasMutual() {
    return mutualSecret != null;
  }

  /** The name the target presents in mutual CHAP, or null. */
  public String mutualUser() {
    return mutualUser;
  }

  /**
   * Whether {@code a} and {@code b} hold the same names and secrets, so that a session
   * authenticated under one is still authenticated under the other; two nulls are the same.
   */
  public static boolean same(ChapCredentials a, ChapCredentials b) {
    if (a == null || b == null) {
      return a == b;
    }
    return a.user.equals(b.user) && Objects.equals(a.mutualUser, b.mutualUser)
        && MessageDigest.isEqual(a.secret, b.secret)
        && (a.mutualSecret == null ? b.mutualSecret == null
            : b.mutualSecret != null && MessageDigest.isEqual(a.mutualSecret,
                b.mutualSecret));
  }

  byte[] secret() {
    return secret;
  }

  byte[] mutualSecret() {
    return mutualSecret;
  }

  @Override
  public String toString() {
    return "ChapCredentials[user=" + user + (hasMutual() ? ", mutualUser=" + mutualUser : "")
        + "]";
  }
}
