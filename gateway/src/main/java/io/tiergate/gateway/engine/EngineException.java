package io.tiergate.gateway.engine;

/**
 * A failed administrative operation of the engine (create, delete, grow, open,
 * snapshot, clone, restore), with a code an
 * admin API can map to a status. I/O failures on a volume are {@code BlockDeviceException}s.
 */
public final class EngineException extends RuntimeException {

  /** What went wrong. */
  public enum Code {
    /** A volume of that name exists already. */
    VOLUME_EXISTS,
    /** No volume has that name. */
    NO_SUCH_VOLUME,
    /** A size, chunk size or name is not acceptable. */
    INVALID_ARGUMENT,
    /** The data directory holds a format this version cannot read. */
    UNSUPPORTED_FORMAT,
    /** No snapshot has that id. */
    NO_SUCH_SNAPSHOT,
    /** The snapshot is the origin of a clone, or its volume's snapshots are. */
    SNAPSHOT_IN_USE,
    /** The store failed. */
    STORAGE
  }

  private final Code code;

  /** Creates an exception. */
  public EngineException(Code code, String message) {
    super(message);
    this.code = code;
  }

  /** Creates an exception with a cause. */
  public EngineException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  /** What went wrong. */
  public Code code() {
    return code;
  }
}
