package io.tiergate.gateway.cli;

import io.tiergate.gateway.ByteSizes;
import io.tiergate.gateway.admin.Json;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The cmdlets' actions: each builds a request, calls the API and prints the answer. */
final class Actions {
  private Actions() {}

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @SuppressWarnings("unchecked")
  static int getVolume(Context ctx, Args a) {
    Connection.Reply r = a.has("name")
        ? ctx.call("GET", "/api/v1/volumes/" + enc(a.get("name").toLowerCase(Locale.ROOT)), null)
        : ctx.call("GET", "/api/v1/volumes", null);
    if (ctx.printedJson(r)) {
      return 0;
    }
    List<Object> vols = a.has("name") ? List.of(r.json())
        : (List<Object>) r.json().get("volumes");
    List<List<String>> rows = new ArrayList<>();
    for (Object o : vols) {
      Map<String, Object> v = (Map<String, Object>) o;
      Map<String, Object> u = (Map<String, Object>) v.get("usage");
      Map<String, Object> chap = (Map<String, Object>) v.get("chap");
      List<Object> acl = (List<Object>) v.get("acl");
      rows.add(List.of(str(v.get("name")), str(v.get("size")),
          ByteSizes.format(((Number) u.get("logicalBytes")).longValue()),
          u.get("dedupRatio") + "x", u.get("compressionRatio") + "x",
          Boolean.TRUE.equals(v.get("pinned")) ? "pinned" : "tiered",
          acl.isEmpty() ? "any" : String.valueOf(acl.size()),
          Boolean.TRUE.equals(chap.get("enabled")) ? "yes" : "no",
          str(v.get("target"))));
    }
    ctx.table(List.of("Name", "Size", "Written", "Dedup", "Compr", "Mode", "ACL", "CHAP",
        "Target"), rows);
    return 0;
  }

  static int newVolume(Context ctx, Args a) {
    if (a.flag("tiered") && a.flag("pinned")) {
      throw new CliException(CliException.USAGE, "use -Tiered or -Pinned, not both");
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", a.get("name").toLowerCase(Locale.ROOT));
    body.put("size", a.get("size"));
    if (a.has("chunksize")) {
      body.put("chunkSize", a.get("chunksize"));
    }
    body.put("tiered", !a.flag("pinned"));
    if (a.has("acl")) {
      body.put("acl", acl(a.get("acl")));
    }
    Object chap = chap(ctx, a);
    if (chap != null) {
      body.put("chap", chap);
    }
    Connection.Reply r = ctx.call("POST", "/api/v1/volumes", body);
    if (ctx.printedJson(r)) {
      return 0;
    }
    Map<String, Object> v = r.json();
    ctx.out.println("Created volume " + v.get("name") + ": " + v.get("size") + " thin, "
        + ByteSizes.format(((Number) v.get("chunkSize")).longValue()) + " chunks, "
        + (Boolean.TRUE.equals(v.get("pinned")) ? "pinned" : "tiered") + ", target "
        + v.get("target") + " LUN 0 at " + v.get("portal"));
    return 0;
  }

  static List<String> acl(String s) {
    if (s.isBlank() || s.equalsIgnoreCase("any") || s.equalsIgnoreCase("none")) {
      return List.of();
    }
    return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
  }

  private static String text(char[] secret) {
    return secret == null ? null : new String(secret);
  }

  static Map<String, Object> chap(Context ctx, Args a) {
    if (!a.has("chapuser") && !a.has("chapsecret")) {
      return null;
    }
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("user", a.get("chapuser"));
    c.put("secret", text(ctx.secret(a, "chapsecret")));
    if (a.has("mutualchapuser") || a.has("mutualchapsecret")) {
      c.put("mutualUser", a.get("mutualchapuser"));
      c.put("mutualSecret", text(ctx.secret(a, "mutualchapsecret")));
    }
    return c;
  }

  static int setVolume(Context ctx, Args a) {
    Map<String, Object> body = new LinkedHashMap<>();
    if (a.has("size")) {
      body.put("size", a.get("size"));
    }
    if (a.has("acl")) {
      body.put("acl", acl(a.get("acl")));
    }
    // Once: a secret given as - is a line of standard input, which can be read only once.
    Map<String, Object> chap = a.flag("nochap") ? null : chap(ctx, a);
    if (a.flag("nochap")) {
      body.put("chap", null);
    } else if (chap != null) {
      body.put("chap", chap);
    }
    if (body.isEmpty()) {
      throw new CliException(CliException.USAGE,
          "Set-Volume needs -Size, -Acl, -ChapUser/-ChapSecret or -NoChap");
    }
    Connection.Reply r = ctx.call("PATCH", "/api/v1/volumes/"
        + enc(a.get("name").toLowerCase(Locale.ROOT)), body);
    if (!ctx.printedJson(r)) {
      ctx.out.println("Updated volume " + r.json().get("name") + ".");
    }
    return 0;
  }

  static int removeVolume(Context ctx, Args a) {
    String name = a.get("name").toLowerCase(Locale.ROOT);
    ctx.call("DELETE", "/api/v1/volumes/" + enc(name) + (a.flag("force") ? "?force=true" : ""),
        null);
    if (ctx.json) {
      ctx.out.println(Json.encode(Map.of("deleted", name)));
    } else {
      ctx.out.println("Deleted volume " + name + ".");
    }
    return 0;
  }

  @SuppressWarnings("unchecked")
  static int status(Context ctx, Args a) {
    Connection.Reply r = ctx.call("GET", "/api/v1/status", null);
    if (ctx.printedJson(r)) {
      return 0;
    }
    Map<String, Object> s = r.json();
    Map<String, Object> cap = (Map<String, Object>) s.get("capacity");
    Map<String, Object> iscsi = (Map<String, Object>) s.get("iscsi");
    Map<String, Object> cloud = (Map<String, Object>) s.get("cloud");
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"State", str(s.get("state"))});
    rows.add(new String[] {"Uptime", s.get("uptimeSeconds") + " s"});
    rows.add(new String[] {"Volumes", str(s.get("volumes"))});
    rows.add(new String[] {"Provisioned", bytes(cap.get("provisionedBytes"))});
    rows.add(new String[] {"Written", bytes(cap.get("logicalBytes"))});
    rows.add(new String[] {"Stored locally", bytes(cap.get("storedBytes"))});
    rows.add(new String[] {"On disk", bytes(cap.get("diskBytes"))});
    rows.add(new String[] {"Local capacity used", cap.get("usedPercent") == null ? "n/a"
        : cap.get("usedPercent") + " %"});
    rows.add(new String[] {"Dedup ratio", s.get("dedupRatio") + "x"});
    rows.add(new String[] {"Compression ratio", s.get("compressionRatio") + "x"});
    rows.add(new String[] {"Cache hit", s.get("cacheHitPercent") == null ? "n/a (no reads yet)"
        : s.get("cacheHitPercent") + " %"});
    rows.add(new String[] {"Dirty bytes", str(s.get("dirtyBytes"))});
    rows.add(new String[] {"Cloud", str(cloud.get("state"))
        + (Boolean.TRUE.equals(cloud.get("alert")) ? " (ALERT)" : "")});
    if (cloud.get("lastError") != null) {
      rows.add(new String[] {"Cloud last error", str(cloud.get("lastError"))});
    }
    if (cloud.get("lastSuccessAt") != null) {
      rows.add(new String[] {"Cloud last answer", str(cloud.get("lastSuccessAt"))});
    }
    rows.add(new String[] {"iSCSI portal", str(iscsi.get("portal"))});
    rows.add(new String[] {"iSCSI sessions", str(iscsi.get("sessions"))});
    ctx.list(rows);
    return 0;
  }

  @SuppressWarnings("unchecked")
  static int events(Context ctx, Args a) {
    StringBuilder q = new StringBuilder("?limit=" + enc(a.has("limit") ? a.get("limit") : "20"));
    if (a.has("severity")) {
      q.append("&severity=").append(enc(a.get("severity")));
    }
    if (a.has("category")) {
      q.append("&category=").append(enc(a.get("category")));
    }
    Connection.Reply r = ctx.call("GET", "/api/v1/events" + q, null);
    if (ctx.printedJson(r)) {
      return 0;
    }
    List<List<String>> rows = new ArrayList<>();
    for (Object o : (List<Object>) r.json().get("events")) {
      Map<String, Object> e = (Map<String, Object>) o;
      rows.add(List.of(str(e.get("time")).replaceFirst("\\.\\d+Z$", "Z"),
          str(e.get("severity")).toUpperCase(Locale.ROOT), str(e.get("category")),
          str(e.get("actor")), str(e.get("message"))));
    }
    ctx.table(List.of("Time", "Severity", "Category", "Actor", "Message"), rows);
    return 0;
  }

  static int setPassphrase(Context ctx, Args a) {
    char[] current = a.has("currentpassphrase") ? ctx.secret(a, "currentpassphrase")
        : ctx.prompter.secret("Current passphrase: ");
    char[] next = a.has("newpassphrase") ? ctx.secret(a, "newpassphrase")
        : SetupWizard.askTwice(ctx, "New passphrase (at least 12 characters): ");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("current", new String(current));
    body.put("new", new String(next));
    Arrays.fill(current, '\0');
    Arrays.fill(next, '\0');
    Connection.Reply r = ctx.call("PUT", "/api/v1/security/passphrase", body);
    if (!ctx.printedJson(r)) {
      ctx.out.println("Passphrase changed: the key slots are re-wrapped and "
          + r.json().get("passphraseFile") + " holds the new passphrase.");
    }
    return 0;
  }

  static int setAdminPassword(Context ctx, Args a) {
    // The current one first: with both given as -, the lines come in Get-Help's order.
    char[] current = ctx.secret(a, "currentpassword");
    char[] next = a.has("newpassword") ? ctx.secret(a, "newpassword")
        : SetupWizard.askTwice(ctx, "New admin password (at least 12 characters): ");
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("new", new String(next));
    if (current != null) {
      body.put("current", new String(current));
      Arrays.fill(current, '\0');
    }
    Arrays.fill(next, '\0');
    Connection.Reply r = ctx.call("PUT", "/api/v1/security/password", body);
    if (!ctx.printedJson(r)) {
      ctx.out.println("Admin password changed.");
    }
    return 0;
  }

  static int rotateKey(Context ctx, Args a) {
    Connection.Reply r = ctx.call("POST", "/api/v1/security/rotate-data-key", Map.of());
    if (!ctx.printedJson(r)) {
      ctx.out.println("New data key " + r.json().get("dataKeyId") + " is in use for new packs.");
    }
    return 0;
  }

  static int newToken(Context ctx, Args a) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", a.get("name"));
    body.put("role", a.flag("readonly") ? "read-only" : "admin");
    Connection.Reply r = ctx.call("POST", "/api/v1/tokens", body);
    if (!ctx.printedJson(r)) {
      Map<String, Object> t = r.json();
      ctx.out.println("Token " + t.get("id") + " (" + t.get("role") + "), shown only now:");
      ctx.out.println(t.get("token"));
    }
    return 0;
  }

  @SuppressWarnings("unchecked")
  static int getTokens(Context ctx, Args a) {
    Connection.Reply r = ctx.call("GET", "/api/v1/tokens", null);
    if (ctx.printedJson(r)) {
      return 0;
    }
    List<List<String>> rows = new ArrayList<>();
    for (Object o : (List<Object>) r.json().get("tokens")) {
      Map<String, Object> t = (Map<String, Object>) o;
      rows.add(List.of(str(t.get("id")), str(t.get("name")), str(t.get("role")),
          str(t.get("created"))));
    }
    ctx.table(List.of("Id", "Name", "Role", "Created"), rows);
    return 0;
  }

  static int removeToken(Context ctx, Args a) {
    ctx.call("DELETE", "/api/v1/tokens/" + enc(a.get("id")), null);
    ctx.out.println(ctx.json ? Json.encode(Map.of("revoked", a.get("id")))
        : "Revoked token " + a.get("id") + ".");
    return 0;
  }

  static int supportPackage(Context ctx, Args a) {
    Connection.Reply r = ctx.call("GET", "/api/v1/support-bundle", null);
    Path file = Path.of(a.has("path") ? a.get("path")
        : "tiergate-support-" + Instant.now().toString().replace(":", "") + ".zip");
    try {
      // Settings, volumes, events and logs of the appliance: owner-only from its creation.
      io.tiergate.gateway.admin.LocalAdmin.writeSecret(file, r.bytes());
    } catch (java.io.UncheckedIOException e) {
      throw new CliException(CliException.FAILURE, "cannot write " + file + ": "
          + e.getCause().getMessage());
    }
    ctx.out.println(ctx.json ? Json.encode(Map.of("path", file.toAbsolutePath().toString(),
        "bytes", r.bytes().length)) : "Saved support package to " + file.toAbsolutePath()
        + " (" + ByteSizes.format(r.bytes().length) + ").");
    return 0;
  }

  static int connect(Context ctx, Args a) {
    String server = a.get("server");
    Path cert = a.has("certificatefile") ? Path.of(a.get("certificatefile")).toAbsolutePath()
        : null;
    char[] password = a.has("password") ? ctx.secret(a, "password")
        : ctx.prompter.secret("Admin password for " + server + ": ");
    Connection c = new Connection(java.net.URI.create(server), null, cert);
    Connection.Reply r = c.send("POST", "/api/v1/login", Map.of("password", new String(password)));
    Arrays.fill(password, '\0');
    if (r.status() != 200) {
      String msg;
      try {
        msg = String.valueOf(r.json().get("error"));
      } catch (RuntimeException e) {
        msg = "HTTP " + r.status();
      }
      throw new CliException(r.status() == 401 || r.status() == 403 || r.status() == 429
          ? CliException.AUTH : CliException.FAILURE, msg);
    }
    Map<String, Object> profile = new LinkedHashMap<>();
    profile.put("server", server);
    profile.put("token", r.json().get("token"));
    profile.put("certificate", cert == null ? null : cert.toString());
    io.tiergate.gateway.admin.LocalAdmin.writeSecret(Context.profileFile(),
        Json.encode(profile).getBytes(StandardCharsets.UTF_8));
    ctx.out.println("Connected to " + server + "; session saved in " + Context.profileFile()
        + " (valid 12 hours).");
    return 0;
  }

  /** How often {@code Start-CloudSync -Wait} asks how the sync is doing. */
  static final long SYNC_POLL_MILLIS = 1000;

  /**
   * Starts a cloud sync (or joins the one running) and, with {@code -Wait}, follows it through
   * {@code GET /cloud} until it has finished, printing the dirty and uploading bytes as they
   * change. No request waits for the sync itself, so however long it takes nothing times out;
   * only a gateway that stops answering ends the wait as unreachable.
   */
  @SuppressWarnings("unchecked")
  static int startCloudSync(Context ctx, Args a) {
    Connection.Reply r = ctx.call("POST", "/api/v1/cloud/sync", Map.of("wait", false));
    Map<String, Object> sync = (Map<String, Object>) r.json().get("sync");
    if (!a.flag("wait")) {
      if (!ctx.printedJson(r)) {
        ctx.out.println((Boolean.TRUE.equals(r.json().get("started")) ? "Started" : "Joined")
            + " cloud sync " + sync.get("id") + " (" + bytes(r.json().get("dirtyBytes"))
            + " dirty); follow it with Get-ApplianceStatus or Start-CloudSync -Wait.");
      }
      return 0;
    }
    Object id = sync.get("id");
    String last = null;
    while (true) {
      Map<String, Object> cloud = ctx.call("GET", "/api/v1/cloud", null).json();
      Map<String, Object> s = (Map<String, Object>) cloud.get("sync");
      if (s == null || !id.equals(s.get("id"))) {
        throw new CliException(CliException.FAILURE, "cloud sync " + id + " is no longer known "
            + "to the gateway (was it restarted?); run Start-CloudSync again");
      }
      String state = str(s.get("state"));
      if (state.equals("failed")) {
        throw new CliException(CliException.FAILURE, "cloud sync " + id + " failed after "
            + s.get("seconds") + " s: " + s.get("error"));
      }
      if (state.equals("finished")) {
        if (ctx.json) {
          Map<String, Object> out = new LinkedHashMap<>(s);
          out.put("dirtyBytes", s.get("dirtyBytesAfter"));
          ctx.out.println(Json.encode(out));
        } else {
          ctx.out.println("Cloud sync " + id + " finished: " + s.get("uploadedChunks")
              + " chunk(s) uploaded in " + s.get("seconds") + " s; "
              + bytes(s.get("dirtyBytesAfter")) + " dirty now.");
        }
        return 0;
      }
      String progress = "Syncing: " + bytes(cloud.get("dirtyBytes")) + " dirty, "
          + bytes(cloud.get("uploadingBytes")) + " uploading";
      if (!ctx.json && !progress.equals(last)) {
        ctx.out.println(progress + " (" + s.get("seconds") + " s)");
        last = progress;
      }
      try {
        Thread.sleep(SYNC_POLL_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliException(CliException.FAILURE, "interrupted; cloud sync " + id
            + " goes on in the gateway");
      }
    }
  }

  static Cmdlets.Action cloud(String method, String path) {
    return (ctx, a) -> {
      Map<String, Object> body = new LinkedHashMap<>();
      if (a.has("limit")) {
        body.put("limit", a.get("limit"));
      }
      if (a.has("container")) {
        body.put("container", a.get("container"));
      }
      if (a.has("wait")) {
        body.put("wait", a.flag("wait"));
      }
      Connection.Reply r = ctx.call(method, path, body);
      if (!ctx.printedJson(r)) {
        ctx.out.println(r.body().strip());
      }
      return 0;
    };
  }

  /**
   * The credentials a cmdlet was given, as the API's request body; null when none were.
   * Secrets come from a file, standard input ({@code -}) or a prompt, never from an argument
   * that other users could see in the process list.
   */
  static Map<String, Object> credentialBody(Context ctx, Args a, boolean promptWhenNone) {
    Map<String, Object> body = new LinkedHashMap<>();
    if (a.has("directory")) {
      body.put("directory", Path.of(a.get("directory")).toAbsolutePath().toString());
    } else if (a.has("connectionstringfile")) {
      body.put("connectionString", secret(ctx, a.get("connectionstringfile"), null));
    } else if (a.has("sastokenfile")) {
      body.put("sasToken", secret(ctx, a.get("sastokenfile"), null));
    } else if (a.has("storageaccountname")) {
      body.put("accountKey", secret(ctx, a.get("storageaccountkeyfile"),
          "Access key of storage account " + a.get("storageaccountname") + ": "));
    } else if (a.has("storageaccountkeyfile")) {
      throw new CliException(CliException.USAGE, "-StorageAccountKeyFile needs "
          + "-StorageAccountName");
    } else if (promptWhenNone) {
      body.put("connectionString", secret(ctx, null, "Azure storage connection string: "));
    } else {
      return null;
    }
    if (a.has("storageaccountname")) {
      body.put("accountName", a.get("storageaccountname"));
    }
    if (a.has("blobendpoint")) {
      body.put("endpoint", a.get("blobendpoint"));
    }
    if (a.has("container")) {
      body.put("container", a.get("container"));
    }
    return body;
  }

  /** A secret from a file, from standard input ({@code -}), or asked for without echo. */
  static String secret(Context ctx, String file, String prompt) {
    try {
      if ("-".equals(file)) {
        String line = new String(ctx.stdinLine("file")).trim();
        if (line.isEmpty()) {
          throw new CliException(CliException.USAGE, "nothing on standard input");
        }
        return line;
      }
      if (file != null) {
        return Files.readString(Path.of(file), StandardCharsets.UTF_8).trim();
      }
    } catch (IOException e) {
      throw new CliException(CliException.USAGE, "cannot read " + file + ": "
          + e.getClass().getSimpleName());
    }
    char[] c = ctx.prompter.secret(prompt);
    String s = new String(c).trim();
    Arrays.fill(c, '\0');
    return s;
  }

  static int setCloudCredential(Context ctx, Args a) {
    Map<String, Object> body = credentialBody(ctx, a, true);
    Connection.Reply r = ctx.call("PUT", "/api/v1/cloud/credentials", body);
    if (!ctx.printedJson(r)) {
      ctx.out.println("Cloud tier now on " + r.json().get("target") + " (tested; in use "
          + "at once, and after restarts).");
    }
    return 0;
  }

  static int testCloud(Context ctx, Args a) {
    Map<String, Object> body = credentialBody(ctx, a, false);
    Connection.Reply r = ctx.call("POST", "/api/v1/cloud/test", body == null ? Map.of() : body);
    if (ctx.printedJson(r)) {
      return Boolean.TRUE.equals(r.json().get("reachable")) ? 0 : CliException.FAILURE;
    }
    Map<String, Object> t = r.json();
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"Target", str(t.get("target"))});
    rows.add(new String[] {"Reachable", str(t.get("reachable"))});
    if (t.containsKey("latencyMillis")) {
      rows.add(new String[] {"Latency", t.get("latencyMillis") + " ms"});
    }
    if (t.containsKey("containerExists")) {
      rows.add(new String[] {"Container exists", str(t.get("containerExists"))});
      rows.add(new String[] {"Holds this appliance", str(t.get("holdsThisAppliance"))});
      rows.add(new String[] {"Set-CloudCredential would", Boolean.TRUE.equals(
          t.get("acceptable")) ? "accept it" : "refuse it (this appliance's data is elsewhere,"
          + " or another appliance's keys are there)"});
    }
    if (t.get("error") != null) {
      rows.add(new String[] {"Error", str(t.get("error"))});
    }
    ctx.list(rows);
    return Boolean.TRUE.equals(t.get("reachable")) ? 0 : CliException.FAILURE;
  }

  /**
   * Rules as {@code DAYS START-END LIMIT}, several separated by {@code ;}, e.g. {@code
   * "Mon-Fri 09:00-17:00 10MB/s; Sat,Sun 00:00-24:00 unlimited"}.
   */
  static List<Object> scheduleRules(String text) {
    List<Object> rules = new ArrayList<>();
    for (String rule : text.split(";")) {
      if (rule.isBlank()) {
        continue;
      }
      String[] w = rule.trim().split("\\s+");
      if (w.length != 3 || !w[1].matches("\\d{1,2}:\\d{2}-\\d{1,2}:\\d{2}")) {
        throw new CliException(CliException.USAGE, "a rule is DAYS START-END LIMIT, e.g. "
            + "'Mon-Fri 09:00-17:00 10MB/s'; got '" + rule.trim() + "' (parameter: Rule)");
      }
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("days", w[0]);
      r.put("start", w[1].split("-")[0]);
      r.put("end", w[1].split("-")[1]);
      r.put("limit", w[2]);
      rules.add(r);
    }
    return rules;
  }

  static int setBandwidthSchedule(Context ctx, Args a) {
    int given = (a.has("rule") ? 1 : 0) + (a.has("file") ? 1 : 0) + (a.flag("clear") ? 1 : 0);
    if (given != 1) {
      throw new CliException(CliException.USAGE, "Set-BandwidthSchedule needs one of -Rule, "
          + "-File or -Clear. Try: Get-Help Set-BandwidthSchedule");
    }
    Object rules;
    if (a.has("file")) {
      try {
        Object doc = Json.parse(Files.readString(Path.of(a.get("file"))));
        rules = doc instanceof Map<?, ?> m && m.containsKey("rules") ? m.get("rules") : doc;
      } catch (IOException | RuntimeException e) {
        throw new CliException(CliException.USAGE, "cannot read " + a.get("file") + ": "
            + e.getMessage());
      }
    } else {
      rules = a.flag("clear") ? List.of() : scheduleRules(a.get("rule"));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("rules", rules);
    Connection.Reply r = ctx.call("PUT", "/api/v1/cloud/bandwidth-schedule", body);
    if (!ctx.printedJson(r)) {
      printSchedule(ctx, r.json());
    }
    return 0;
  }

  static int getBandwidthSchedule(Context ctx, Args a) {
    Connection.Reply r = ctx.call("GET", "/api/v1/cloud/bandwidth-schedule", null);
    if (!ctx.printedJson(r)) {
      printSchedule(ctx, r.json());
    }
    return 0;
  }

  @SuppressWarnings("unchecked")
  private static void printSchedule(Context ctx, Map<String, Object> s) {
    List<List<String>> rows = new ArrayList<>();
    int i = 0;
    for (Object o : (List<Object>) s.get("rules")) {
      Map<String, Object> r = (Map<String, Object>) o;
      rows.add(List.of(String.valueOf(i++), String.join(",", (List<String>) r.get("days")),
          str(r.get("start")), str(r.get("end")), rate(r.get("limit"))));
    }
    if (rows.isEmpty()) {
      ctx.out.println("No bandwidth schedule: the default limit applies at all times.");
    } else {
      ctx.table(List.of("Rule", "Days", "Start", "End", "Limit"), rows);
    }
    ctx.out.println("Default limit: " + rate(s.get("defaultLimit")) + "; in force now: "
        + rate(s.get("limitNow")) + (s.get("ruleNow") == null ? " (default)"
        : " (rule " + s.get("ruleNow") + ")"));
  }

  private static String rate(Object o) {
    return o instanceof Number n ? ByteSizes.format(n.longValue()) + "/s" : str(o);
  }

  static int help(Context ctx, Args a) {
    if (!a.has("name")) {
      ctx.out.println("Tiergate cmdlets (./tiergate <Cmdlet> [-Parameter value ...]; names are "
          + "case-insensitive):");
      List<List<String>> rows = new ArrayList<>();
      for (Cmdlets.Cmdlet c : Cmdlets.ALL) {
        rows.add(List.of(c.name(), c.synopsis()));
      }
      ctx.table(List.of("Name", "Synopsis"), rows);
      ctx.out.println();
      ctx.out.println("Also: ./tiergate run (the gateway), ./tiergate setup, ./tiergate shell.");
      ctx.out.println("Every cmdlet takes -Json, --data-dir DIR (default ./tiergate-data), "
          + "--server URL, --token T, --ca FILE.");
      ctx.out.println("Exit status: 0 ok, 1 failure, 2 bad parameters, 3 not found, "
          + "4 conflict, 5 not authorised, 6 gateway unreachable.");
      return 0;
    }
    Cmdlets.Cmdlet c = Cmdlets.find(a.get("name"));
    if (c == null) {
      throw new CliException(CliException.NOT_FOUND, "no cmdlet " + a.get("name")
          + "; Get-Help lists them");
    }
    ctx.out.println("NAME");
    ctx.out.println("    " + c.name());
    ctx.out.println();
    ctx.out.println("SYNOPSIS");
    ctx.out.println("    " + c.synopsis());
    ctx.out.println();
    ctx.out.println("SYNTAX");
    StringBuilder syn = new StringBuilder("    " + c.name());
    for (Cmdlets.Param p : c.params()) {
      if (Cmdlets.COMMON.contains(p)) {
        continue;
      }
      String one = "-" + p.name() + (p.isSwitch() ? "" : " <" + p.type() + ">");
      syn.append(' ').append(p.required() ? one : "[" + one + "]");
    }
    syn.append(" [-Json]");
    ctx.out.println(syn);
    ctx.out.println();
    ctx.out.println("PARAMETERS");
    for (Cmdlets.Param p : c.params()) {
      ctx.out.println("    -" + p.name() + (p.isSwitch() ? "" : " <" + p.type() + ">")
          + (p.required() ? "  (required)" : "") + (p.positional() ? "  (position 0)" : ""));
      ctx.out.println("        " + p.help());
    }
    ctx.out.println();
    ctx.out.println("EXAMPLES");
    for (String e : c.examples()) {
      ctx.out.println("    PS> " + e);
    }
    return 0;
  }

  static String str(Object o) {
    return o == null ? "" : String.valueOf(o);
  }

  static String bytes(Object o) {
    return o instanceof Number n ? ByteSizes.format(n.longValue()) : str(o);
  }
}
