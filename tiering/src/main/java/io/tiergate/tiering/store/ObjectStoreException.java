package io.tiergate.tiering.store;

/**
 * A failed object-store operation. The message names the operation and the object, never a
 * credential, connection string or data.
 */
public final class ObjectStoreException extends RuntimeException {

  /** What went wrong, and so whether to retry. */
  public enum Code {
    /** No object of that name. */
    NOT_FOUND(false),
    /** An object of that name exists already (put-if-absent). */
    ALREADY_EXISTS(false),
    /** The service asks us to slow down (HTTP 429 or 503 Server Busy). */
    THROTTLED(true),
    /** The service could not be reached, timed out or failed (5xx, I/O error). */
    UNAVAILABLE(true),
    /** The credentials were refused (HTTP 401/403). */
    AUTH_FAILED(false),
    /** The request itself is wrong: a bad name or range. */
    INVALID(false);

    private final boolean retryable;

    Code(boolean retryable) {
      this.retryable = retryable;
    }

    /** True when the same call may succeed later. */
    public boolean retryable() {
      return retryable;
    }
  }

  private final Code code;

  /** Creates an exception with a code. */
  public ObjectStoreException(Code code, String message) {
    super(message);
    this.code = code;
  }

  /** Creates an exception with a code and a cause. */
  public ObjectStoreException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** What went wrong. */
  public Code code() {
    return code;
  }
}
