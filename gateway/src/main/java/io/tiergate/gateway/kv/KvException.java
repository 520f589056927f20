package io.tiergate.gateway.kv;

/**
 * A failure of the key-value store, typed so that callers can tell a full disk from corruption
 * from a closed store. Messages carry no keys or values.
 */
public final class KvException extends RuntimeException {

  /** What went wrong. */
  public enum Code {
    /** The disk is full. */
    NO_SPACE,
    /** Stored data failed a checksum or could not be parsed. */
    CORRUPTION,
    /** An I/O error other than a full disk. */
    IO_ERROR,
    /** The database is locked by another process or busy. */
    BUSY,
    /** The store has been closed or is shutting down. */
    CLOSED,
    /** A caller passed an invalid argument or an unsupported option. */
    INVALID_ARGUMENT,
    /** Anything else. */
    OTHER
  }

  private final Code code;

  /** Creates an exception with a code. */
  public KvException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** Creates an exception with a code and no cause. */
  public KvException(Code code, String message) {
    super(message);
    this.code = code;
  }

  /** What went wrong. */
  public Code code() {
    return code;
  }
}
