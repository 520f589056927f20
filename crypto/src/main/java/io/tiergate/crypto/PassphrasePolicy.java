package io.tiergate.crypto;

/**
 * Rules a new passphrase must meet before it may protect a key slot.
 *
 * <p>The passphrase is the only thing standing between a stolen cloud account and the customer's
 * data, so the floor is 12 characters, as for StorSimple's service data encryption key. Length is
 * counted in Unicode code points so that a passphrase in any script is judged the same way. An
 * upper bound keeps a hostile or accidental megabyte passphrase from stalling the KDF.
 *
 * <p>The policy applies when a passphrase is set (create, add slot, change); unlocking never checks
 * it, so raising the minimum later cannot lock anyone out.
 */
public final class PassphrasePolicy {
  /** The smallest minimum length a policy may have. */
  public static final int MIN_LENGTH = 12;

  /** Longest accepted passphrase, in code points. */
  public static final int MAX_LENGTH = 1024;

  private static final PassphrasePolicy STANDARD = new PassphrasePolicy(MIN_LENGTH);

  private final int minLength;

  private PassphrasePolicy(int minLength) {
    this.minLength = minLength;
  }

  /** The default policy: at least {@value #MIN_LENGTH} characters. */
  public static PassphrasePolicy standard() {
    return STANDARD;
  }

  /**
   * A stricter policy. {@code minLength} below {@value #MIN_LENGTH} is refused: the floor is not
   * negotiable.
   */
  public static PassphrasePolicy withMinLength(int minLength) {
    if (minLength < MIN_LENGTH || minLength > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "minimum passphrase length must be between " + MIN_LENGTH + " and " + MAX_LENGTH);
    }
    return new PassphrasePolicy(minLength);
  }

  /** The minimum length, in characters (code points). */
  public int minLength() {
    return minLength;
  }

  /**
   * Checks a candidate passphrase.
   *
   * @throws CryptoException with {@link CryptoException.Code#WEAK_PASSPHRASE} if it is too short,
   *     too long, or blank
   */
  public void check(char[] passphrase) {
    if (passphrase == null) {
      throw weak("a passphrase is required");
    }
    int codePoints = Character.codePointCount(passphrase, 0, passphrase.length);
    if (codePoints < minLength) {
      throw weak("passphrase is too short: use at least " + minLength + " characters");
    }
    if (codePoints > MAX_LENGTH) {
      throw weak("passphrase is too long: use at most " + MAX_LENGTH + " characters");
    }
    boolean blank = true;
    for (char c : passphrase) {
      if (!Character.isWhitespace(c)) {
        blank = false;
        break;
      }
    }
    if (blank) {
      throw weak("passphrase must not be only spaces");
    }
  }

  private static CryptoException weak(String message) {
    return new CryptoException(CryptoException.Code.WEAK_PASSPHRASE, message);
  }

  @Override
  public String toString() {
    return "PassphrasePolicy[minLength=" + minLength + "]";
  }
}
