package io.tiergate.tiering.pack;

/** A pack object that is not well-formed: truncated, of an unknown version, or failing authentication. */
public final class PackFormatException extends RuntimeException {

  /** Creates the exception. */
  public PackFormatException(String message) {
    super(message);
  }

  /** Creates the exception with a cause. */
  public PackFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
