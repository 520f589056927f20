package io.tiergate.gateway.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.gateway.admin.TestGateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web UI in a real headless Chromium (Debian's {@code chromium}, which ./test installs):
 * log in, create a volume from the volumes page, see it listed with the address to connect to,
 * connect to exactly that address with qemu-img and write, then see the dashboard's written
 * bytes change and the creation in the events page; then, in the settings page, save a weekly
 * bandwidth schedule (an overlap is shown, not saved) and switch the cloud tier's store.
 */
class WebUiIT {
  private static final String PASSWORD = "web admin password";
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path tmp;

  @Test
  void logInCreateAVolumeConnectAndSeeTheMetricMove() throws Exception {
    try (TestGateway gw = TestGateway.start(tmp.resolve("gw"));
        Chromium browser = Chromium.start(tmp.resolve("chromium-profile"))) {
      assertEquals(200, gw.admin("PUT", "/api/v1/security/password",
          "{\"new\":\"" + PASSWORD + "\"}").status());

      browser.navigate(gw.url + "/");
      browser.waitFor("!document.getElementById('view-login').hidden", WAIT);
      browser.type("password", "not the password");
      browser.eval("document.getElementById('login').click(); true");
      browser.waitFor("document.getElementById('message').textContent.includes('wrong password')",
          WAIT);
      browser.type("password", PASSWORD);
      browser.eval("document.getElementById('login').click(); true");
      browser.waitFor("!document.getElementById('view-dashboard').hidden", WAIT);
      browser.waitFor("document.getElementById('metric-write-bytes').textContent === '0 B'", WAIT);
      browser.waitFor("document.querySelectorAll('#chart-capacity path').length > 0", WAIT);
      browser.waitFor("document.getElementById('cloud-state').textContent === 'connected'",
          WAIT);

      browser.eval("document.getElementById('nav-volumes').click(); true");
      browser.waitFor("!document.getElementById('view-volumes').hidden", WAIT);
      browser.waitFor("document.querySelector('tr[data-volume=\"demo\"]') !== null", WAIT);
      browser.type("new-name", "webvol");
      browser.type("new-size", "64MiB");
      browser.eval("document.getElementById('create').click(); true");
      browser.waitFor("document.querySelector('tr[data-volume=\"webvol\"] .connect') !== null",
          WAIT);
      String connect = (String) browser.eval(
          "document.querySelector('tr[data-volume=\"webvol\"] .connect').textContent");
      assertEquals("iscsi://" + gw.portal() + "/iqn.2026-11.io.tiergate:webvol/0", connect);

      // Connect where the page says, and write.
      byte[] data = new byte[4 << 20];
      new Random(7).nextBytes(data);
      Path image = tmp.resolve("data.img");
      Files.write(image, data);
      run("qemu-img", "convert", "-n", "-O", "raw", image.toString(), connect);

      browser.eval("document.getElementById('nav-dashboard').click(); true");
      browser.waitFor("document.getElementById('metric-write-bytes').textContent === '4.0 MiB'",
          WAIT);

      browser.eval("document.getElementById('nav-events').click(); true");
      browser.waitFor("document.getElementById('events-table').innerText"
          + ".includes('created volume webvol')", WAIT);

      // Bad input is shown, not swallowed.
      browser.eval("document.getElementById('nav-volumes').click(); true");
      browser.waitFor("!document.getElementById('view-volumes').hidden", WAIT);
      browser.type("new-name", "webvol");
      browser.type("new-size", "64MiB");
      browser.eval("document.getElementById('create').click(); true");
      browser.waitFor("document.getElementById('message').textContent"
          + ".includes('volume exists: webvol')", WAIT);
      assertTrue(gw.admin("GET", "/api/v1/events?category=audit", null).body()
          .contains("admin@127.0.0.1"), "the browser's actions are audited as the admin");

      // Settings: a weekly bandwidth schedule, refused while two rules overlap.
      browser.eval("document.getElementById('nav-settings').click(); true");
      browser.waitFor("document.getElementById('schedule-now').textContent"
          + ".includes('Limit in force now')", WAIT);
      addRule(browser, "Mon-Fri", "09:00", "17:00", "10MB/s");
      addRule(browser, "Daily", "16:00", "18:00", "1MB/s");
      browser.waitFor("document.querySelectorAll('#schedule-table tbody tr').length === 2", WAIT);
      browser.eval("document.getElementById('schedule-save').click(); true");
      browser.waitFor("document.getElementById('message').textContent"
          + ".includes('overlaps rules[0]')", WAIT);
      browser.eval("document.querySelector('#schedule-table tr[data-rule=\"1\"] button')"
          + ".click(); true");
      browser.eval("document.getElementById('schedule-save').click(); true");
      browser.waitFor("document.getElementById('message').textContent"
          + ".includes('Bandwidth schedule saved: 1 rule(s)')", WAIT);
      browser.waitFor("document.querySelector('#schedule-table tr[data-rule=\"0\"]')"
          + ".textContent.includes('Mon,Tue,Wed,Thu,Fri')", WAIT);
      assertTrue(gw.admin("GET", "/api/v1/cloud", null).body().contains(
          "\"bandwidthSchedule\":[{\"days\":[\"Mon\",\"Tue\",\"Wed\",\"Thu\",\"Fri\"],"
              + "\"start\":\"09:00\",\"end\":\"17:00\",\"limit\":10000000}]"));

      // Cloud credentials: a wrong kind of secret names its field; a directory is taken.
      browser.type("cloud-account", "contoso");
      browser.type("cloud-secret", "not a key");
      browser.eval("document.getElementById('cloud-save').click(); true");
      browser.waitFor("document.getElementById('message').textContent"
          + ".includes('(accountKey)')", WAIT);
      Path cloudDir = tmp.resolve("web-cloud");
      browser.eval("const k = document.getElementById('cloud-kind'); k.value = 'directory';"
          + " k.onchange(); true");
      browser.type("cloud-directory", cloudDir.toString());
      browser.eval("document.getElementById('cloud-save').click(); true");
      browser.waitFor("document.getElementById('message').textContent"
          + ".includes('Cloud tier now on directory " + cloudDir + "')", WAIT);
      browser.waitFor("document.getElementById('settings-cloud').textContent"
          + ".includes('" + cloudDir + "')", WAIT);
      assertEquals("directory " + cloudDir, gw.admin("GET", "/api/v1/cloud", null).json()
          .get("target"));
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void aPortalOnAllAddressesIsShownAtAnAddressThatWorks() throws Exception {
    try (TestGateway gw = TestGateway.start(tmp.resolve("gw"), "0.0.0.0");
        Chromium browser = Chromium.start(tmp.resolve("chromium-profile"))) {
      int port = gw.gateway.iscsiAddress().getPort();
      // The API (and so the CLI): one of this machine's addresses, never a placeholder.
      var demo = gw.admin("GET", "/api/v1/volumes/demo", null).json();
      String portal = (String) demo.get("portal");
      assertEquals(Boolean.TRUE, demo.get("portalOnAllAddresses"));
      assertTrue(portal.endsWith(":" + port) && !portal.contains("<")
          && !portal.startsWith("0.0.0.0"), portal);
      var iscsi = (java.util.Map<String, Object>) gw.admin("GET", "/api/v1/status", null).json()
          .get("iscsi");
      java.util.List<Object> portals = (java.util.List<Object>) iscsi.get("portals");
      assertEquals(portal, portals.get(0));
      assertEquals("127.0.0.1:" + port, portals.get(portals.size() - 1));
      for (Object p : portals) {
        run("iscsi-ls", "iscsi://" + p + "/");
      }

      // The web UI: the host the browser used.
      assertEquals(200, gw.admin("PUT", "/api/v1/security/password",
          "{\"new\":\"" + PASSWORD + "\"}").status());
      browser.navigate(gw.url + "/");
      browser.waitFor("!document.getElementById('view-login').hidden", WAIT);
      browser.type("password", PASSWORD);
      browser.eval("document.getElementById('login').click(); true");
      browser.waitFor("!document.getElementById('view-dashboard').hidden", WAIT);
      browser.waitFor("document.getElementById('portal').textContent === '127.0.0.1:" + port
          + "'", WAIT);
      browser.eval("document.getElementById('nav-volumes').click(); true");
      browser.waitFor("document.querySelector('tr[data-volume=\"demo\"] .connect') !== null",
          WAIT);
      String connect = (String) browser.eval(
          "document.querySelector('tr[data-volume=\"demo\"] .connect').textContent");
      assertEquals("iscsi://127.0.0.1:" + port + "/iqn.2026-11.io.tiergate:demo/0", connect);
      run("qemu-img", "info", connect);
    }
  }

  private static void addRule(Chromium browser, String days, String start, String end,
      String limit) throws Exception {
    browser.type("rule-days", days);
    browser.type("rule-start", start);
    browser.type("rule-end", end);
    browser.type("rule-limit", limit);
    browser.eval("document.querySelector('#rule-form button[type=submit]').click(); true");
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", cmd) + " timed out");
    }
    assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
  }
}
