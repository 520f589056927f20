package io.tiergate.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.gateway.admin.TestGateway.Reply;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every endpoint but login refuses a caller without credentials, or with a wrong token, with
 * 401 and without doing anything; the web UI's static files stay public.
 */
class AuthRequiredTest {
  /**
   * Every route of the table but the login, with its path parameters filled in, plus paths
   * and methods that match no route: from the table itself, so a new endpoint is covered.
   */
  static final List<String[]> ENDPOINTS = endpoints();

  static List<String[]> endpoints() {
    List<String[]> out = new ArrayList<>();
    for (Api.Route r : Api.ROUTES) {
      if (r.role() != Api.Role.ANYONE) {
        out.add(new String[] {r.method(), concrete(r.template())});
      }
    }
    out.add(new String[] {"GET", "/api/v1/unknown"});
    out.add(new String[] {"PUT", "/api/v1/volumes"});
    return out;
  }

  /** A template's path with {@code {name}} as the demo volume and other parameters made up. */
  static String concrete(String template) {
    return template.replace("{name}", "demo").replaceAll("\\{[a-z]+\\}", "tok-1");
  }

  @TempDir
  static Path tmp;
  static TestGateway gw;

  @BeforeAll
  static void start() throws Exception {
    gw = TestGateway.start(tmp);
  }

  @AfterAll
  static void stop() {
    gw.close();
  }

  @Test
  void onlyTheLoginNeedsNoCredentials() {
    for (Api.Route r : Api.ROUTES) {
      assertEquals(r.template().equals("/api/v1/login"), r.role() == Api.Role.ANYONE,
          r.method() + " " + r.template());
    }
  }

  @Test
  void everyEndpointButLoginRefusesWithoutCredentials() {
    for (String[] e : ENDPOINTS) {
      for (String token : new String[] {null, "tg_wrong", "garbage"}) {
        Reply r = gw.call(e[0], e[1], token, "{\"name\":\"x\",\"size\":\"1GiB\"}");
        assertEquals(401, r.status(), e[0] + " " + e[1] + " with " + token + ": " + r.body());
        assertTrue(r.headers().firstValue("WWW-Authenticate").isPresent(), e[1]);
      }
    }
    // Nothing was done: demo is still there, no volume x.
    assertEquals(200, gw.admin("GET", "/api/v1/volumes/demo", null).status());
    assertEquals(404, gw.admin("GET", "/api/v1/volumes/x", null).status());
    // Login itself answers without credentials (403 here: no password set yet).
    assertEquals(403, gw.call("POST", "/api/v1/login", null, "{\"password\":\"x\"}").status());
    Reply page = gw.call("GET", "/", null, null);
    assertEquals(200, page.status());
    assertTrue(page.body().contains("<title>Tiergate</title>"));
    assertEquals(200, gw.call("GET", "/app.js", null, null).status());
    assertEquals(404, gw.call("GET", "/../../etc/passwd", null, null).status());
  }
}
