package io.tiergate.crypto;

import java.util.Objects;

/**
 * The one exception type of the crypto module, with a typed {@link Code} so callers can map it (to
 * a SCSI sense, an admin API status, a CLI message) without parsing text.
 *
 * <p>Messages are fixed, human-readable sentences. They never carry a key, a passphrase, a
 * plaintext byte or a value derived from one; a test scans them for that.
 */
public final class CryptoException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, in terms a caller can act on. */
  public enum Code {
    /** A new passphrase does not meet the {@link PassphrasePolicy}. */
    WEAK_PASSPHRASE,
    /** No key slot opens with the given passphrase. Nothing was changed. */
    WRONG_PASSPHRASE,
    /** Serialised data is truncated, malformed or fails its checksum or authentication. */
    CORRUPT,
    /** The data carries a format version this build does not know. */
    UNSUPPORTED_VERSION,
    /** An AEAD tag did not verify: the ciphertext, its context or its key is not the right one. */
    AUTHENTICATION_FAILED,
    /** No data key with the requested key id exists in the key ring. */
    UNKNOWN_KEY_ID,
    /** A record index is negative, too large, or (when sealing) not above the last one used. */
    RECORD_INDEX_OUT_OF_RANGE,
    /** An argument has the wrong length or shape (not secret-dependent). */
    INVALID_ARGUMENT,
    /** The key ring or a cipher derived from it was closed; its keys are gone. */
    CLOSED,
    /** The Java runtime lacks an algorithm that every supported JDK provides. */
    PROVIDER_FAILURE
  }

  private final Code code;

  CryptoException(Code code, String message) {
    super(message);
    this.code = Objects.requireNonNull(code);
  }

  CryptoException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = Objects.requireNonNull(code);
  }

  /** The kind of failure. */
  public Code code() {
    return code;
  }

  @Override
  public String toString() {
    return "CryptoException[" + code + "]: " + getMessage();
  }
}
