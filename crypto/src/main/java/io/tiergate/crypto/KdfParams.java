package io.tiergate.crypto;

/**
 * Cost parameters of the passphrase KDF, PBKDF2-HMAC-SHA-256, recorded beside every key slot so
 * that they can be raised later without breaking old slots.
 *
 * <p>The salt is not part of this object on purpose: every slot draws a fresh random {@value
 * #SALT_LENGTH}-byte salt when it is written, so two slots never share one even when they share
 * parameters.
 *
 * <p>Production code uses {@link #defaults()} ({@value #DEFAULT_ITERATIONS} iterations, the OWASP
 * 2023 figure) or {@link #withIterations(int)} to go higher. {@link #insecureForTests(int)} exists
 * so that test suites elsewhere can build key rings in milliseconds; it must never reach an
 * appliance.
 */
public final class KdfParams {
  /** The only KDF of format version 1. */
  public static final String ALGORITHM = "PBKDF2-HMAC-SHA-256";

  /** Default and minimum iteration count for production slots. */
  public static final int DEFAULT_ITERATIONS = 600_000;

  /**
   * Largest iteration count accepted, also when reading a slot: a crafted key ring must not be able
   * to make unlock spin for minutes.
   */
  public static final int MAX_ITERATIONS = 50_000_000;

  /** Length of the random per-slot salt, in bytes. */
  public static final int SALT_LENGTH = 16;

  private static final KdfParams DEFAULTS = new KdfParams(DEFAULT_ITERATIONS);

  private final int iterations;

  private KdfParams(int iterations) {
    this.iterations = iterations;
  }

  /** {@value #DEFAULT_ITERATIONS} iterations. */
  public static KdfParams defaults() {
    return DEFAULTS;
  }

  /**
   * A higher cost than the default.
   *
   * @throws IllegalArgumentException below {@value #DEFAULT_ITERATIONS} or above {@value
   *     #MAX_ITERATIONS}
   */
  public static KdfParams withIterations(int iterations) {
    if (iterations < DEFAULT_ITERATIONS || iterations > MAX_ITERATIONS) {
      throw new IllegalArgumentException(
          "PBKDF2 iterations must be between " + DEFAULT_ITERATIONS + " and " + MAX_ITERATIONS);
    }
    return new KdfParams(iterations);
  }

  /**
   * A deliberately cheap cost so that test suites stay fast. Slots written with it are as weak as
   * the iteration count says; never use it outside tests.
   */
  public static KdfParams insecureForTests(int iterations) {
    return of(iterations);
  }

  /** Any count in the readable range; used when parsing a stored slot. */
  static KdfParams of(int iterations) {
    if (iterations < 1 || iterations > MAX_ITERATIONS) {
      throw new IllegalArgumentException("PBKDF2 iterations out of range");
    }
    return new KdfParams(iterations);
  }

  /** The iteration count. */
  public int iterations() {
    return iterations;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KdfParams && ((KdfParams) o).iterations == iterations;
  }

  @Override
  public int hashCode() {
    return Integer.hashCode(iterations);
  }

  @Override
  public String toString() {
    return "KdfParams[" + ALGORITHM + ", iterations=" + iterations + "]";
  }
}
