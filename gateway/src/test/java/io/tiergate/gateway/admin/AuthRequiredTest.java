package io.tiergate.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.gateway.admin.TestGateway.Reply;
import java.nio.file.Path;
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
  static final List<String[]> ENDPOINTS = List.of(
      new String[] {"GET", "/api/v1/whoami"}, new String[] {"GET", "/api/v1/volumes"},
      new String[] {"POST", "/api/v1/volumes"}, new String[] {"GET", "/api/v1/volumes/demo"},
      new String[] {"PATCH", "/api/v1/volumes/demo"},
      new String[] {"DELETE", "/api/v1/volumes/demo"}, new String[] {"GET", "/api/v1/status"},
      new String[] {"GET", "/api/v1/history"}, new String[] {"GET", "/api/v1/events"},
      new String[] {"GET", "/api/v1/support-bundle"},
      new String[] {"PUT", "/api/v1/security/password"},
      new String[] {"PUT", "/api/v1/security/passphrase"},
      new String[] {"POST", "/api/v1/security/rotate-data-key"},
      new String[] {"GET", "/api/v1/tokens"}, new String[] {"POST", "/api/v1/tokens"},
      new String[] {"DELETE", "/api/v1/tokens/tok-1"}, new String[] {"GET", "/api/v1/cloud"},
      new String[] {"PUT", "/api/v1/cloud/credentials"}, new String[] {"POST", "/api/v1/cloud/test"},
      new String[] {"PUT", "/api/v1/cloud/bandwidth"},
      new String[] {"GET", "/api/v1/cloud/bandwidth-schedule"},
      new String[] {"PUT", "/api/v1/cloud/bandwidth-schedule"}, new String[] {"POST", "/api/v1/cloud/sync"},
      new String[] {"POST", "/api/v1/cloud/evict"}, new String[] {"GET", "/metrics"},
      new String[] {"GET", "/api/v1/unknown"}, new String[] {"PUT", "/api/v1/volumes"});

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
