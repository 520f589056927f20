package io.tiergate.gateway.admin;

/**
 * A request that cannot be served, with the HTTP status, a stable code for scripts, a message
 * for the administrator and, for bad input, the name of the offending field. Its message goes
 * to the client, so it never carries a secret.
 */
final class ApiException extends RuntimeException {
  private final int status;
  private final String code;
  private final String field;

  ApiException(int status, String code, String message, String field) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.field = field;
  }

  static ApiException badField(String field, String message) {
    return new ApiException(400, "invalid_field", message, field);
  }

  static ApiException badRequest(String message) {
    return new ApiException(400, "bad_request", message, null);
  }

  static ApiException notFound(String message) {
    return new ApiException(404, "not_found", message, null);
  }

  static ApiException conflict(String code, String message) {
    return new ApiException(409, code, message, null);
  }

  static ApiException unauthorized(String message) {
    return new ApiException(401, "unauthorized", message, null);
  }

  static ApiException forbidden(String message) {
    return new ApiException(403, "forbidden", message, null);
  }

  int status() {
    return status;
  }

  String code() {
    return code;
  }

  String field() {
    return field;
  }
}
