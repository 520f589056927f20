package io.tiergate.gateway.admin;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A decoded request and the response to it, free of Netty types so the API is easy to test. */
final class HttpExchange {
  private HttpExchange() {}

  /**
   * A request.
   *
   * @param method upper-case HTTP method
   * @param path decoded path without the query
   * @param query decoded query parameters
   * @param body the body as text (UTF-8)
   * @param bearer the bearer token of the Authorization header, or null
   * @param client the client's address, for rate limiting and the audit trail
   */
  record Request(String method, String path, Map<String, List<String>> query, String body,
      String bearer, String client) {

    String param(String name) {
      List<String> v = query.get(name);
      return v == null || v.isEmpty() ? null : v.get(0);
    }

    @Override
    public String toString() {
      return method + " " + path + " from " + client; // never the body or the token
    }
  }

  /** A response. */
  record Response(int status, String contentType, byte[] body, Map<String, String> headers) {
    static Response json(int status, Object value) {
      return new Response(status, "application/json; charset=utf-8",
          (Json.encode(value) + "\n").getBytes(StandardCharsets.UTF_8), new LinkedHashMap<>());
    }

    static Response noContent() {
      return new Response(204, null, new byte[0], new LinkedHashMap<>());
    }

    Response header(String name, String value) {
      headers.put(name, value);
      return this;
    }
  }
}
