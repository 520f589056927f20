package io.tiergate.gateway.cli;

/** A cmdlet failure with the exit status it ends the command with. */
final class CliException extends RuntimeException {
  static final int FAILURE = 1;
  static final int USAGE = 2;
  static final int NOT_FOUND = 3;
  static final int CONFLICT = 4;
  static final int AUTH = 5;
  static final int UNREACHABLE = 6;

  private final int exitCode;

  CliException(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
