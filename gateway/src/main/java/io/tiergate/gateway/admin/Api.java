package io.tiergate.gateway.admin;

import io.tiergate.crypto.CryptoException;
import io.tiergate.crypto.KeyRing;
import io.tiergate.crypto.PassphrasePolicy;
import io.tiergate.gateway.ByteSizes;
import io.tiergate.gateway.admin.AccessControl.Principal;
import io.tiergate.gateway.admin.EventLog.Severity;
import io.tiergate.gateway.admin.HttpExchange.Request;
import io.tiergate.gateway.admin.HttpExchange.Response;
import io.tiergate.gateway.engine.EngineException;
import io.tiergate.gateway.engine.SpaceUsage;
import io.tiergate.gateway.engine.VolumeInfo;
import io.tiergate.gateway.engine.VolumeSpec;
import io.tiergate.gateway.metrics.GatewayStats;
import io.tiergate.gateway.tier.CloudConfig;
import io.tiergate.gateway.tier.CloudCredentials;
import io.tiergate.gateway.tier.CloudTierService;
import io.tiergate.gateway.tier.KeyRingMatch;
import io.tiergate.tiering.store.ObjectStore;
import io.tiergate.tiering.store.ObjectStoreException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API: one table of routes, {@link #ROUTES} (method, path template, the role it
 * needs, handler), and one method per endpoint. Adding an endpoint is adding a row there, and
 * a row cannot be written without its role: {@link Role#ADMIN} for anything that changes the
 * appliance or shows what only an administrator may see (API tokens, the support package),
 * {@link Role#READ} for the monitoring reads a read-only token may make, {@link Role#ANYONE}
 * for the login alone. {@link #handle} authenticates, checks the role, dispatches, and maps
 * every failure to a status in one place: {@link ApiException} as it says, engine codes to
 * 400/404/409, and anything else to 500 with a reference number that points into the log
 * (never a stack trace to the client). Every change is audited in the event log with who,
 * what and when.
 */
final class Api {
  private static final Logger log = LoggerFactory.getLogger(Api.class);
  static final String PREFIX = "/api/v1";
  static final Pattern VOLUME_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{0,62}");
  private static final Pattern PARAM = Pattern.compile("\\{[a-z]+\\}");
  private static final String CLOUD_NOT_CONFIGURED =
      "cloud tier not configured: this gateway keeps all data on local disk";

  /** Who may call a route. */
  enum Role {
    /** No credentials needed: the login alone. */
    ANYONE,
    /** Any valid credential, a read-only token included. */
    READ,
    /** An administrator: the password's session, an admin token or the local credential. */
    ADMIN
  }

  @FunctionalInterface
  interface Endpoint {
    Response serve(Api api, Request req, Principal who, Matcher path) throws Exception;
  }

  /**
   * One row of the route table.
   *
   * @param method the HTTP method
   * @param template the path, with {@code {name}} for one path segment
   * @param role who may call it
   * @param path the template as a pattern
   * @param endpoint the handler
   */
  record Route(String method, String template, Role role, Pattern path, Endpoint endpoint) {}

  private static Route route(String method, String template, Role role, Endpoint e) {
    StringBuilder re = new StringBuilder();
    Matcher m = PARAM.matcher(template);
    int at = 0;
    while (m.find()) {
      re.append(Pattern.quote(template.substring(at, m.start()))).append("([^/]+)");
      at = m.end();
    }
    re.append(Pattern.quote(template.substring(at)));
    return new Route(method, template, role, Pattern.compile(re.toString()), e);
  }

  /** Every endpoint, with the role it needs. */
  static final List<Route> ROUTES = List.of(
      route("POST", PREFIX + "/login", Role.ANYONE, Api::login),
      route("GET", PREFIX + "/whoami", Role.READ, (a, r, w, m) -> Response.json(200,
          Map.of("user", w.name(), "role", w.role()))),
      route("GET", PREFIX + "/volumes", Role.READ, Api::listVolumes),
      route("POST", PREFIX + "/volumes", Role.ADMIN, Api::createVolume),
      route("GET", PREFIX + "/volumes/{name}", Role.READ, Api::getVolume),
      route("PATCH", PREFIX + "/volumes/{name}", Role.ADMIN, Api::setVolume),
      route("DELETE", PREFIX + "/volumes/{name}", Role.ADMIN, Api::deleteVolume),
      route("GET", PREFIX + "/volumes/{name}/snapshots", Role.READ,
          SnapshotsHandler::listOfVolume),
      route("POST", PREFIX + "/volumes/{name}/snapshots", Role.ADMIN,
          SnapshotsHandler::createOfVolume),
      route("POST", PREFIX + "/volumes/{name}/restore", Role.ADMIN, SnapshotsHandler::restore),
      route("GET", PREFIX + "/snapshots", Role.READ, SnapshotsHandler::list),
      route("POST", PREFIX + "/snapshots", Role.ADMIN, SnapshotsHandler::createGroup),
      route("GET", PREFIX + "/snapshots/{id}", Role.READ, SnapshotsHandler::get),
      route("DELETE", PREFIX + "/snapshots/{id}", Role.ADMIN, SnapshotsHandler::delete),
      route("POST", PREFIX + "/snapshots/{id}/clone", Role.ADMIN, SnapshotsHandler::cloneOf),
      route("GET", PREFIX + "/status", Role.READ, (a, r, w, m) ->
          Response.json(200, a.service.status())),
      route("GET", PREFIX + "/history", Role.READ, (a, r, w, m) ->
          Response.json(200, a.service.history().toJson())),
      route("GET", PREFIX + "/events", Role.READ, Api::events),
      // Settings, logs and the whole event trail: for support, handed out by an administrator.
      route("GET", PREFIX + "/support-bundle", Role.ADMIN, Api::supportBundle),
      route("PUT", PREFIX + "/security/password", Role.ADMIN, Api::setPassword),
      route("PUT", PREFIX + "/security/passphrase", Role.ADMIN, Api::setPassphrase),
      route("POST", PREFIX + "/security/rotate-data-key", Role.ADMIN, Api::rotateDataKey),
      // Who holds which credential is an administrator's business.
      route("GET", PREFIX + "/tokens", Role.ADMIN, (a, r, w, m) -> Response.json(200,
          Map.of("tokens", a.service.access().listTokens()))),
      route("POST", PREFIX + "/tokens", Role.ADMIN, Api::newToken),
      route("DELETE", PREFIX + "/tokens/{id}", Role.ADMIN, Api::revokeToken),
      route("GET", PREFIX + "/cloud", Role.READ, (a, r, w, m) ->
          Response.json(200, a.service.cloudState())),
      route("PUT", PREFIX + "/cloud/credentials", Role.ADMIN, Api::setCloudCredentials),
      route("POST", PREFIX + "/cloud/test", Role.ADMIN, Api::testCloud),
      route("PUT", PREFIX + "/cloud/bandwidth", Role.ADMIN, Api::setBandwidth),
      // The same rules GET /cloud shows, as a read.
      route("GET", PREFIX + "/cloud/bandwidth-schedule", Role.READ, Api::getBandwidthSchedule),
      route("PUT", PREFIX + "/cloud/bandwidth-schedule", Role.ADMIN, Api::setBandwidthSchedule),
      route("POST", PREFIX + "/cloud/sync", Role.ADMIN, Api::syncCloud),
      route("POST", PREFIX + "/cloud/evict", Role.ADMIN, Api::evictCache),
      route("GET", "/metrics", Role.READ, (a, r, w, m) ->
          new Response(200, GatewayStats.contentType(),
              a.service.stats().scrape().getBytes(StandardCharsets.UTF_8),
              new LinkedHashMap<>())));

  private final AdminService service;
  private final AtomicLong errorRef = new AtomicLong();

  Api(AdminService service) {
    this.service = service;
  }

  AdminService service() {
    return service;
  }

  /** Whether a path belongs to the API (else it is a static file of the web UI). */
  static boolean isApi(String path) {
    return path.equals(PREFIX) || path.startsWith(PREFIX + "/") || path.equals("/metrics");
  }

  /** Serves one request; never throws. */
  Response handle(Request req) {
    try {
      boolean pathKnown = false;
      for (Route r : ROUTES) {
        Matcher m = r.path().matcher(req.path());
        if (!m.matches()) {
          continue;
        }
        pathKnown = true;
        if (!r.method().equals(req.method())) {
          continue;
        }
        Principal who = null;
        if (r.role() != Role.ANYONE) {
          who = authenticate(req);
          if (r.role() == Role.ADMIN && !who.mayWrite()) {
            throw ApiException.forbidden("this token is read-only: " + req.method() + " "
                + r.template() + " needs an administrator");
          }
        }
        return r.endpoint().serve(this, req, who, m);
      }
      if (pathKnown) {
        // Authenticate first, so that an unauthenticated caller learns nothing of the routes.
        authenticate(req);
        return error(405, "method_not_allowed", req.method() + " is not allowed here", null);
      }
      authenticate(req);
      throw ApiException.notFound("no such endpoint: " + req.path());
    } catch (ApiException e) {
      Response r = error(e.status(), e.code(), e.getMessage(), e.field());
      if (e.status() == 429) {
        r.header("Retry-After", e.field());
      }
      if (e.status() == 401) {
        r.header("WWW-Authenticate", "Bearer realm=\"tiergate\"");
      }
      return r;
    } catch (EngineException e) {
      return switch (e.code()) {
        case NO_SUCH_VOLUME, NO_SUCH_SNAPSHOT -> error(404, "not_found", e.getMessage(), null);
        // Deleting a volume whose snapshots are the origins of clones.
        case SNAPSHOT_IN_USE -> error(409, "snapshot_in_use", e.getMessage(), null);
        case VOLUME_EXISTS -> error(409, "volume_exists", e.getMessage(), "name");
        case INVALID_ARGUMENT -> error(400, "invalid_field", e.getMessage(), null);
        default -> internal(req, e);
      };
    } catch (Exception e) {
      return internal(req, e);
    }
  }

  private Response internal(Request req, Exception e) {
    long ref = errorRef.incrementAndGet();
    log.error("admin request {} failed (reference {})", req, ref, e);
    return error(500, "internal_error",
        "internal error; the gateway log has the details under reference " + ref, null);
  }

  private static Response error(int status, String code, String message, String field) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("error", message);
    m.put("code", code);
    if (field != null && status == 400) {
      m.put("field", field);
    }
    return Response.json(status, m);
  }

  private Principal authenticate(Request req) {
    if (req.bearer() == null) {
      throw ApiException.unauthorized("credentials required: log in, or send an API token as "
          + "'Authorization: Bearer <token>'");
    }
    Principal p = service.access().authenticate(req.bearer());
    if (p == null) {
      service.stats().loginFailure();
      throw ApiException.unauthorized("invalid or expired credentials");
    }
    return p;
  }

  void audit(Request req, Principal who, String what) {
    service.events().record(Severity.INFO, "audit", who.name() + "@" + req.client(), what);
  }

  // ---------------------------------------------------------------- authentication

  private Response login(Request req, Principal ignored, Matcher m) {
    AccessControl ac = service.access();
    Map<String, Object> body = body(req);
    onlyFields(body, "password");
    char[] password = chars(body, "password", true);
    try {
      if (!ac.passwordSet()) {
        throw ApiException.forbidden("no admin password is set yet: run './tiergate setup' "
            + "on the appliance");
      }
      // The attempt is counted before the hash, so parallel guesses cannot all pass the limit.
      long wait = ac.reserveAttempt(req.client());
      if (wait > 0) {
        service.stats().loginFailure();
        throw new ApiException(429, "too_many_attempts",
            "too many failed logins; try again in " + (wait / 1000 + 1) + " s",
            String.valueOf(wait / 1000 + 1));
      }
      if (!ac.checkPassword(password)) {
        service.stats().loginFailure();
        // At most MAX_FAILURES of these a minute per address: the reservation bounds them.
        service.events().record(Severity.WARNING, "security", "anonymous@" + req.client(),
            "failed admin login");
        throw ApiException.unauthorized("wrong password");
      }
      ac.succeeded(req.client());
    } finally {
      AccessControl.wipe(password);
    }
    String token = ac.newSession();
    service.events().record(Severity.INFO, "audit", "admin@" + req.client(), "logged in");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("token", token);
    out.put("expiresInSeconds", 12 * 3600);
    return Response.json(200, out);
  }

  private Response newToken(Request req, Principal who, Matcher m) {
    Map<String, Object> body = body(req);
    onlyFields(body, "name", "role");
    String name = string(body, "name", true);
    if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
      throw ApiException.badField("name", "name must be 1-64 of A-Z a-z 0-9 _ . -");
    }
    String role = body.containsKey("role") ? string(body, "role", true) : "admin";
    if (!role.equals("admin") && !role.equals("read-only")) {
      throw ApiException.badField("role", "role must be admin or read-only");
    }
    String[] t = service.access().newApiToken(name, role);
    audit(req, who, "created API token " + t[0] + " (" + name + ", " + role + ")");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", t[0]);
    out.put("name", name);
    out.put("role", role);
    out.put("token", t[1]);
    return Response.json(201, out);
  }

  private Response revokeToken(Request req, Principal who, Matcher m) {
    if (!service.access().revokeToken(m.group(1))) {
      throw ApiException.notFound("no API token " + m.group(1));
    }
    audit(req, who, "revoked API token " + m.group(1));
    return Response.noContent();
  }

  // ---------------------------------------------------------------- volumes

  private Response listVolumes(Request req, Principal who, Matcher m) {
    List<Object> out = new ArrayList<>();
    for (VolumeInfo v : service.host().engine().listVolumes()) {
      out.add(service.volumeJson(v, true));
    }
    return Response.json(200, Map.of("volumes", out));
  }

  private Response getVolume(Request req, Principal who, Matcher m) {
    return Response.json(200, service.volumeJson(volume(m.group(1)), true));
  }

  /** Volume {@code name} (case-insensitive); 404 when there is none. */
  VolumeInfo volume(String name) {
    var v = service.host().engine().findVolume(name.toLowerCase(Locale.ROOT));
    if (v == null) {
      throw ApiException.notFound("no volume " + name);
    }
    return v.info();
  }

  private Response createVolume(Request req, Principal who, Matcher m) {
    Map<String, Object> body = body(req);
    onlyFields(body, "name", "size", "chunkSize", "tiered", "pinned", "acl", "chap");
    String name = string(body, "name", true).toLowerCase(Locale.ROOT);
    if (!VOLUME_NAME.matcher(name).matches()) {
      throw ApiException.badField("name",
          "name must be 1-63 of a-z 0-9 . - starting with a letter or digit");
    }
    long size = volumeSize(body, "size");
    long chunk = body.containsKey("chunkSize") ? size(body, "chunkSize", true)
        : VolumeSpec.DEFAULT_CHUNK_SIZE;
    if (chunk < (32 << 10) || chunk > (256 << 10) || Long.bitCount(chunk) != 1) {
      throw ApiException.badField("chunkSize",
          "chunkSize must be a power of two from 32 KiB to 256 KiB");
    }
    boolean pinned = bool(body, "pinned", false);
    if (body.containsKey("tiered")) {
      boolean tiered = bool(body, "tiered", true);
      if (body.containsKey("pinned") && tiered == pinned) {
        throw ApiException.badField("tiered", "a volume is either tiered or pinned, not both");
      }
      pinned = !tiered;
    }
    List<String> acl = VolumeAccess.parseAcl(body.get("acl"));
    VolumeAccess.Chap chap = VolumeAccess.parseChap(body.get("chap"));
    synchronized (service.volumeLock) {
      // Under the volume lock, a volume and its access settings are made as one: a second
      // create of the same name waits, then finds the volume and leaves its settings alone.
      if (service.host().engine().findVolume(name) != null) {
        throw ApiException.conflict("volume_exists", "volume exists: " + name);
      }
      // Access first: a volume must never be exported, even briefly, without its ACL and CHAP
      // (and a crash in between leaves settings of no volume, dropped at the next start).
      service.volumeAccess().put(name, new VolumeAccess.Access(acl, chap));
      try {
        service.host().engine().createVolume(new VolumeSpec(name, size, (int) chunk, pinned));
      } catch (RuntimeException e) {
        service.volumeAccess().remove(name);
        throw e;
      }
      service.export(name);
    }
    audit(req, who, "created volume " + name + " (" + ByteSizes.format(size) + ", "
        + ByteSizes.format(chunk) + " chunks, " + (pinned ? "pinned" : "tiered")
        + (acl.isEmpty() ? "" : ", ACL " + acl) + (chap != null ? ", CHAP" : "") + ")");
    return Response.json(201, service.volumeJson(volume(name), false));
  }

  private Response setVolume(Request req, Principal who, Matcher m) {
    Map<String, Object> body = body(req);
    synchronized (service.volumeLock) {
      return changeVolume(req, who, m.group(1), body);
    }
  }

  private Response changeVolume(Request req, Principal who, String name,
      Map<String, Object> body) {
    VolumeInfo v = volume(name);
    for (String k : body.keySet()) {
      if (!List.of("size", "acl", "chap").contains(k)) {
        throw ApiException.badField(k, "cannot change " + k
            + " of a volume (changeable: size, acl, chap)");
      }
    }
    List<String> changes = new ArrayList<>();
    Long newSize = body.containsKey("size") ? volumeSize(body, "size") : null;
    if (newSize != null && newSize < v.sizeBytes()) {
      throw ApiException.badField("size", "volumes can only grow: " + v.name() + " has "
          + ByteSizes.format(v.sizeBytes()));
    }
    VolumeAccess.Access old = service.volumeAccess().get(v.name());
    if (old.locked() && (body.containsKey("acl") || body.containsKey("chap"))
        && !(body.containsKey("acl") && body.containsKey("chap"))) {
      // Nothing is known to keep: half a setting must not silently open the other half.
      throw ApiException.badField(body.containsKey("acl") ? "chap" : "acl", "volume "
          + v.name() + " has no readable access settings: give both acl and chap (null for "
          + "none)");
    }
    List<String> acl = body.containsKey("acl") ? VolumeAccess.parseAcl(body.get("acl"))
        : old.acl();
    VolumeAccess.Chap chap = body.containsKey("chap") ? VolumeAccess.parseChap(body.get("chap"))
        : old.chap();
    if (newSize != null && newSize != v.sizeBytes()) {
      service.host().engine().growVolume(v.name(), newSize);
      changes.add("size " + ByteSizes.format(v.sizeBytes()) + " -> "
          + ByteSizes.format(newSize));
    }
    if (body.containsKey("acl") || body.containsKey("chap")) {
      service.volumeAccess().put(v.name(), new VolumeAccess.Access(acl, chap));
      if (body.containsKey("acl")) {
        changes.add("ACL " + acl);
      }
      if (body.containsKey("chap")) {
        changes.add(chap == null ? "CHAP off" : "CHAP user " + chap.user()
            + (chap.mutualUser() != null ? " (mutual)" : ""));
      }
    }
    if (!changes.isEmpty()) {
      service.volumeChanged(v.name());
      int closed = 0;
      if (body.containsKey("acl") || body.containsKey("chap")) {
        // A grow needs nothing here: the exported device reads the volume's size itself.
        closed = service.export(v.name());
      }
      audit(req, who, "changed volume " + v.name() + ": " + String.join(", ", changes)
          + (closed > 0 ? " (" + closed + " session(s) no longer admitted were closed)" : ""));
    }
    return Response.json(200, service.volumeJson(volume(v.name()), false));
  }

  private Response deleteVolume(Request req, Principal who, Matcher m) {
    String f = req.param("force");
    if (f != null && !f.equals("true") && !f.equals("false")) {
      throw ApiException.badField("force", "force must be true or false");
    }
    synchronized (service.volumeLock) {
      return removeVolume(req, who, m.group(1), "true".equals(f));
    }
  }

  private Response removeVolume(Request req, Principal who, String name, boolean force) {
    VolumeInfo v = volume(name);
    int sessions = service.host().sessionCount(service.host().iqn(v.name()));
    if (sessions > 0 && !force) {
      throw ApiException.conflict("sessions_logged_in", sessions
          + " iSCSI session(s) are logged in to volume " + v.name() + "; log them out first, "
          + "or delete with force=true (their connections are closed)");
    }
    // Unexported first, so that no session writes to a volume being deleted.
    int closed = service.unexport(v.name());
    try {
      service.host().engine().deleteVolume(v.name());
    } catch (RuntimeException e) {
      service.export(v.name());
      throw e;
    }
    service.volumeAccess().remove(v.name());
    service.stats().removeVolume(v.name());
    service.volumeChanged(v.name());
    audit(req, who, "deleted volume " + v.name() + (closed > 0
        ? " (forced, " + closed + " session(s) closed)" : ""));
    return Response.noContent();
  }

  // ---------------------------------------------------------------- events, bundle

  private Response events(Request req, Principal who, Matcher m) {
    int limit = 100;
    if (req.param("limit") != null) {
      try {
        limit = Integer.parseInt(req.param("limit"));
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 1 || limit > 1000) {
        throw ApiException.badField("limit", "limit must be a number from 1 to 1000");
      }
    }
    Severity min = req.param("severity") == null ? null : Severity.parse(req.param("severity"));
    List<Object> out = new ArrayList<>();
    for (EventLog.Event e : service.events().recent(limit, min, req.param("category"))) {
      out.add(e.toJson());
    }
    return Response.json(200, Map.of("events", out));
  }

  private Response supportBundle(Request req, Principal who, Matcher m) {
    byte[] zip = service.supportBundle();
    audit(req, who, "exported a support package");
    return new Response(200, "application/zip", zip, new LinkedHashMap<>()).header(
        "Content-Disposition", "attachment; filename=\"tiergate-support-"
            + Instant.now().toString().replace(":", "") + ".zip\"");
  }

  // ---------------------------------------------------------------- security

  private Response setPassword(Request req, Principal who, Matcher m) {
    Map<String, Object> body = body(req);
    onlyFields(body, "current", "new");
    AccessControl ac = service.access();
    char[] next = chars(body, "new", true);
    char[] current = body.containsKey("current") ? chars(body, "current", true) : null;
    try {
      String problem = AccessControl.passwordProblem(next);
      if (problem != null) {
        throw ApiException.badField("new", problem);
      }
      // The local credential proves control of the appliance; anyone else proves the password.
      if (ac.passwordSet() && !who.name().equals("local")) {
        if (current == null) {
          throw ApiException.badField("current", "current password is required");
        }
        if (!ac.checkPassword(current)) {
          service.stats().loginFailure();
          throw ApiException.forbidden("current password is wrong");
        }
      }
      ac.setPassword(next);
    } finally {
      AccessControl.wipe(next);
      AccessControl.wipe(current);
    }
    audit(req, who, "changed the admin password (login sessions ended)");
    return Response.json(200, Map.of("changed", true));
  }

  private Response setPassphrase(Request req, Principal who, Matcher m) {
    Map<String, Object> body = body(req);
    onlyFields(body, "current", "new");
    char[] current = chars(body, "current", true);
    char[] next = chars(body, "new", true);
    KeyRing ring = service.host().keyRing();
    try {
      try {
        PassphrasePolicy.standard().check(next);
      } catch (CryptoException e) {
        throw ApiException.badField("new", "passphrase too weak: " + e.getMessage());
      }
      if (Arrays.equals(current, next)) {
        throw ApiException.badField("new", "the new passphrase must differ from the current one");
      }
      if (ring.slotCount() >= KeyRing.MAX_SLOTS) {
        throw ApiException.conflict("key_slots_full", "every key slot is in use");
      }
      // Add the new slot and persist it before the passphrase file changes, then drop the old
      // slot: a crash at any point leaves a passphrase file that opens the key ring.
      try {
        ring.addSlot(current, next);
      } catch (CryptoException e) {
        if (e.code() == CryptoException.Code.WRONG_PASSPHRASE) {
          throw ApiException.forbidden("current passphrase is wrong; nothing was changed");
        }
        throw e;
      }
      service.host().saveKeyRing();
      service.writePassphraseFile(next);
      ring.removeSlot(current);
      service.host().saveKeyRing();
    } finally {
      AccessControl.wipe(current);
      AccessControl.wipe(next);
    }
    audit(req, who, "changed the passphrase (key slots re-wrapped; data untouched)");
    return Response.json(200, Map.of("changed", true,
        "passphraseFile", service.host().passphraseFile().toString()));
  }

  private Response rotateDataKey(Request req, Principal who, Matcher m) {
    int id = service.host().keyRing().rotateDataKey();
    service.host().saveKeyRing();
    audit(req, who, "rotated the data key: new packs use key " + id);
    return Response.json(200, Map.of("dataKeyId", id));
  }

  // ---------------------------------------------------------------- cloud

  private Response setBandwidth(Request req, Principal who, Matcher m) {
    Map<String, Object> body = body(req);
    onlyFields(body, "limit");
    if (body.containsKey("limit") && !(body.get("limit") instanceof String
        || body.get("limit") instanceof Long l && l >= 0)) {
      throw ApiException.badField("limit", "limit must be a rate like 20MB/s, or 0 for none");
    }
    long rate = 0;
    if (body.get("limit") instanceof String s && !s.equals("0")) {
      try {
        rate = CloudConfig.parseRate(s);
      } catch (IllegalArgumentException | ArithmeticException e) {
        throw ApiException.badField("limit", "limit must be a rate like 20MB/s, or 0 for none");
      }
    } else if (body.get("limit") instanceof Number n) {
      rate = n.longValue();
    }
    cloud();
    // The default: the schedule's rules still take precedence while one is in force.
    service.bandwidth().setDefault(rate);
    audit(req, who, "set the default upload bandwidth limit to "
        + (rate > 0 ? ByteSizes.format(rate) + "/s" : "unlimited"));
    return Response.json(200, service.cloudState());
  }

  private CloudTierService cloud() {
    CloudTierService c = service.host().cloud();
    if (c == null) {
      throw ApiException.conflict("cloud_not_configured", CLOUD_NOT_CONFIGURED);
    }
    return c;
  }

  /** How long {@code {"wait":true}} holds the request before answering with the state. */
  static final Duration SYNC_WAIT = Duration.ofSeconds(20);

  private Response syncCloud(Request req, Principal who, Matcher m) throws InterruptedException {
    CloudTierService cloud = cloud();
    Map<String, Object> body = req.body() == null || req.body().isBlank() ? Map.of() : body(req);
    onlyFields(body, "wait");
    boolean wait = bool(body, "wait", false);
    var started = service.cloudSync().start(cloud);
    CloudSync.Run run = started.getKey();
    if (started.getValue()) {
      audit(req, who, "started cloud sync " + run.id);
    }
    // A bounded wait: a sync may last hours, and the answer must come while the client still
    // listens. Unfinished, the answer is 202 with the sync's state, which GET /cloud follows.
    if (wait && run.await(SYNC_WAIT)) {
      if (run.error() != null) {
        throw ApiException.conflict("cloud_unavailable", "cloud sync " + run.id + " failed: "
            + run.error());
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("uploadedChunks", run.uploadedChunks());
      out.put("dirtyBytes", cloud.dirtyBytes());
      out.put("seconds", Math.round(run.seconds() * 100) / 100.0);
      out.put("sync", run.toJson());
      return Response.json(200, out);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("started", started.getValue());
    out.put("dirtyBytes", cloud.dirtyBytesCached());
    out.put("sync", run.toJson());
    return Response.json(202, out);
  }

  /** 400 naming the first field of {@code body} that is not one of {@code allowed}. */
  static void onlyFields(Map<String, Object> body, String... allowed) {
    for (String k : body.keySet()) {
      if (!Arrays.asList(allowed).contains(k)) {
        throw ApiException.badField(k, "unknown field " + k + " (allowed: "
            + String.join(", ", allowed) + ")");
      }
    }
  }

  private Response evictCache(Request req, Principal who, Matcher m) {
    long freed = cloud().evictAll();
    audit(req, who, "cleared the cache: " + ByteSizes.format(freed) + " of clean chunks evicted");
    return Response.json(200, Map.of("evictedBytes", freed));
  }

  private Response testCloud(Request req, Principal who, Matcher m) {
    CloudTierService cloud = cloud();
    if (req.body() != null && !req.body().isBlank() && !body(req).isEmpty()) {
      // Credentials given: test them as Set-CloudCredential would, without switching.
      CloudCredentials creds = credentials(body(req));
      CredentialCheck check = checkCredentials(cloud, creds, false);
      check.store().close();
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("target", creds.describe());
      r.put("reachable", true);
      r.put("latencyMillis", check.latencyMillis());
      r.put("containerExists", check.containerExists());
      CloudTierService.StoreMatch match = check.match();
      r.put("holdsThisAppliance", match.keyRing() == KeyRingMatch.OURS
          || match.packsKnown() > 0 && match.packsMissing() == 0);
      // Whether Set-CloudCredential would accept it (no data stranded, no keys overwritten).
      r.put("acceptable", match.acceptable());
      return Response.json(200, r);
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("target", cloud.describe());
    try {
      r.put("reachable", true);
      r.put("latencyMillis", cloud.testConnection().toMillis());
    } catch (ObjectStoreException e) {
      r.put("reachable", false);
      r.put("error", e.code().name());
    }
    return Response.json(200, r);
  }

  // ---------------------------------------------------------------- cloud credentials

  /** Credentials from a request body; 400 naming the field when they are not usable. */
  private static CloudCredentials credentials(Map<String, Object> body) {
    for (String k : body.keySet()) {
      if (!List.of("connectionString", "accountName", "accountKey", "sasToken", "endpoint",
          "container", "directory").contains(k)) {
        throw ApiException.badField(k, "unknown field " + k + " (give connectionString, "
            + "accountName with accountKey or sasToken, or directory; and container)");
      }
    }
    String cs = string(body, "connectionString", false);
    String name = string(body, "accountName", false);
    String key = string(body, "accountKey", false);
    String sas = string(body, "sasToken", false);
    String endpoint = string(body, "endpoint", false);
    String container = string(body, "container", false);
    String dir = string(body, "directory", false);
    int given = (cs != null ? 1 : 0) + (key != null ? 1 : 0) + (sas != null ? 1 : 0)
        + (dir != null ? 1 : 0);
    if (given != 1) {
      throw ApiException.badField(given == 0 ? "connectionString" : "accountKey",
          "give exactly one of connectionString, accountKey (with accountName), sasToken (with "
              + "accountName or endpoint) or directory");
    }
    try {
      if (cs != null) {
        return CloudCredentials.connectionString(cs, container);
      } else if (key != null) {
        return CloudCredentials.accountKey(name, key, container, endpoint);
      } else if (sas != null) {
        return CloudCredentials.sas(name, sas, container, endpoint);
      }
      if (!dir.startsWith("/")) {
        throw ApiException.badField("directory", "directory must be an absolute path");
      }
      return CloudCredentials.directory(java.nio.file.Path.of(dir));
    } catch (CloudCredentials.InvalidField e) {
      throw ApiException.badField(e.field(), e.getMessage());
    }
  }

  /** What a container that does not exist holds: nothing. */
  private static final ObjectStore NO_OBJECTS = new ObjectStore() {
    @Override
    public void putIfAbsent(String name, byte[] data) {
      throw new UnsupportedOperationException();
    }

    @Override
    public byte[] get(String name) {
      throw new ObjectStoreException(ObjectStoreException.Code.NOT_FOUND, name);
    }

    @Override
    public byte[] getRange(String name, long offset, int length) {
      return get(name);
    }

    @Override
    public void delete(java.util.Collection<String> names) {}

    @Override
    public List<ObjectInfo> list(String prefix) {
      return List.of();
    }

    @Override
    public void close() {}
  };

  /** A store reached with new credentials, and what it holds of this appliance. */
  private record CredentialCheck(ObjectStore store, long latencyMillis, boolean containerExists,
      CloudTierService.StoreMatch match) {}

  /**
   * Tests credentials: reachability, authentication, the container, and that the store holds
   * this appliance's data when there is any in the cloud (else switching would strand every
   * evicted chunk) and no other appliance's key ring. Refusals are 400 (settings), 409
   * (another store) or 502 (the cloud refused or did not answer); the store is closed then.
   */
  private CredentialCheck checkCredentials(CloudTierService cloud, CloudCredentials creds,
      boolean forUse) {
    ObjectStore store;
    try {
      // A short retry budget: a wrong key or a dead endpoint is reported within seconds.
      store = creds.open(cloud.config().packTier(), false, Duration.ofSeconds(3));
    } catch (ObjectStoreException e) {
      throw cloudRefused(creds, e);
    }
    try {
      long t0 = System.nanoTime();
      boolean exists = true;
      try {
        store.list("keys/");
      } catch (ObjectStoreException e) {
        if (e.code() != ObjectStoreException.Code.NOT_FOUND || !creds.azure()) {
          throw cloudRefused(creds, e);
        }
        exists = false; // the container is missing
      }
      long latency = (System.nanoTime() - t0) / 1_000_000;
      CloudTierService.StoreMatch match = cloud.match(exists ? store : NO_OBJECTS);
      if (!match.acceptable() && forUse) {
        throw ApiException.conflict("cloud_store_mismatch", mismatch(creds, exists, match));
      }
      return new CredentialCheck(store, latency, exists, match);
    } catch (RuntimeException e) {
      store.close();
      if (e instanceof ObjectStoreException o) {
        throw cloudRefused(creds, o);
      }
      throw e;
    }
  }

  private static String mismatch(CloudCredentials creds, boolean exists,
      CloudTierService.StoreMatch match) {
    if (match.keyRing() == KeyRingMatch.FOREIGN) {
      return creds.describe() + " holds another appliance's keys: using it would overwrite "
          + "them; nothing was changed";
    }
    return (exists ? creds.describe() + " does not hold this appliance's data: "
        + match.packsMissing() + " of its " + match.packsKnown() + " pack(s) are missing there"
        : "container " + creds.container() + " does not exist in account " + creds.account()
            + ", so it cannot hold this appliance's " + match.packsKnown() + " pack(s)")
        + ". Switching would strand every chunk evicted to the cloud; give credentials for the "
        + "storage account that holds them. Nothing was changed.";
  }

  private static ApiException cloudRefused(CloudCredentials creds, ObjectStoreException e) {
    return switch (e.code()) {
      case AUTH_FAILED -> new ApiException(502, "cloud_auth_failed", creds.describe()
          + " refused the credentials (" + e.code() + "); nothing was changed", null);
      case INVALID -> new ApiException(502, "cloud_invalid", "cannot use " + creds.describe()
          + " (" + e.code() + "); nothing was changed", null);
      default -> new ApiException(502, "cloud_unreachable", creds.describe()
          + " could not be reached (" + e.code() + "); nothing was changed", null);
    };
  }

  private Response setCloudCredentials(Request req, Principal who, Matcher m)
      throws InterruptedException {
    CloudTierService cloud = cloud();
    CloudCredentials creds = credentials(body(req));
    synchronized (service.credentialLock) {
      String before = cloud.describe();
      CredentialCheck check = checkCredentials(cloud, creds, true);
      check.store().close();
      ObjectStore store;
      try {
        // Opened again for good: now with the usual retry budget, and the container created
        // when it is missing (there is nothing of ours anywhere else then).
        store = creds.open(cloud.config().packTier(), !check.containerExists(),
            Duration.ofSeconds(60));
      } catch (ObjectStoreException e) {
        throw cloudRefused(creds, e);
      }
      java.nio.file.Path dataDir = service.host().dataDir();
      CloudConfig base = cloud.config();
      CloudConfig next = CloudSettings.target(dataDir, creds, base);
      CloudTierService.StoreMatch match;
      try {
        // Checked again under the tier's pass lock (an upload may have run since), and saved
        // only once it holds: a refused or failed switch leaves the saved settings alone.
        match = cloud.replaceStore(next, store, Duration.ofSeconds(30),
            () -> CloudSettings.save(dataDir, creds, base));
      } catch (ObjectStoreException e) {
        store.close();
        throw cloudRefused(creds, e);
      } catch (RuntimeException | InterruptedException e) {
        store.close();
        throw e;
      }
      if (!match.acceptable()) {
        store.close();
        throw ApiException.conflict("cloud_store_mismatch", mismatch(creds, true, match));
      }
      audit(req, who, "changed the cloud credentials: now " + creds.describe() + " (was "
          + before + "); tested reachable"
          + (match.packsKnown() > 0 ? ", holds this appliance's " + match.packsKnown()
              + " pack(s)" : ", no data in the cloud yet"));
    }
    Map<String, Object> out = new LinkedHashMap<>(service.cloudState());
    out.put("changed", true);
    out.put("account", creds.account());
    return Response.json(200, out);
  }

  // ---------------------------------------------------------------- bandwidth schedule

  private Response getBandwidthSchedule(Request req, Principal who, Matcher m) {
    return Response.json(200, scheduleJson());
  }

  private Map<String, Object> scheduleJson() {
    BandwidthScheduler b = service.bandwidth();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("rules", b.schedule().toJson());
    out.put("defaultLimit", b.defaultLimit() > 0 ? b.defaultLimit() : "unlimited");
    long now = b.limitNow();
    out.put("limitNow", now > 0 ? now : "unlimited");
    out.put("ruleNow", b.ruleNow() < 0 ? null : b.ruleNow());
    return out;
  }

  private Response setBandwidthSchedule(Request req, Principal who, Matcher m) {
    cloud();
    Map<String, Object> body = body(req);
    for (String k : body.keySet()) {
      if (!k.equals("rules")) {
        throw ApiException.badField(k, "unknown field " + k + " (the body is {\"rules\": [...]})");
      }
    }
    if (!body.containsKey("rules")) {
      throw ApiException.badField("rules", "rules is required (an empty list clears the "
          + "schedule)");
    }
    BandwidthSchedule s = BandwidthSchedule.parse(body.get("rules"));
    service.bandwidth().setSchedule(s);
    List<String> rules = new ArrayList<>();
    for (BandwidthSchedule.Rule r : s.rules()) {
      Map<String, Object> j = r.toJson();
      rules.add(j.get("days") + " " + j.get("start") + "-" + j.get("end") + " "
          + BandwidthSchedule.rate(r.limit()));
    }
    audit(req, who, rules.isEmpty() ? "cleared the bandwidth schedule"
        : "set the bandwidth schedule: " + String.join("; ", rules));
    return Response.json(200, scheduleJson());
  }

  // ---------------------------------------------------------------- body helpers

  static Map<String, Object> body(Request req) {
    if (req.body() == null || req.body().isBlank()) {
      throw ApiException.badRequest("a JSON object body is required");
    }
    try {
      return Json.parseObject(req.body());
    } catch (Json.ParseException e) {
      throw ApiException.badRequest(e.getMessage());
    }
  }

  static String string(Map<String, Object> body, String field, boolean required) {
    Object v = body.get(field);
    if (v == null) {
      if (required) {
        throw ApiException.badField(field, field + " is required");
      }
      return null;
    }
    if (!(v instanceof String s)) {
      throw ApiException.badField(field, field + " must be a string");
    }
    return s;
  }

  private static char[] chars(Map<String, Object> body, String field, boolean required) {
    String s = string(body, field, required);
    return s == null ? null : s.toCharArray();
  }

  static boolean bool(Map<String, Object> body, String field, boolean dflt) {
    Object v = body.get(field);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Boolean b)) {
      throw ApiException.badField(field, field + " must be true or false");
    }
    return b;
  }

  private static long size(Map<String, Object> body, String field, boolean required) {
    Object v = body.get(field);
    if (v == null) {
      throw ApiException.badField(field, field + " is required");
    }
    long bytes;
    if (v instanceof Long l) {
      bytes = l;
    } else if (v instanceof String s) {
      try {
        bytes = ByteSizes.parse(s);
      } catch (IllegalArgumentException e) {
        throw ApiException.badField(field, field + ": " + e.getMessage());
      }
    } else {
      throw ApiException.badField(field, field + " must be a size like \"10GiB\" or a byte count");
    }
    if (bytes <= 0 || bytes % 512 != 0) {
      throw ApiException.badField(field, field + " must be a positive whole number of 512-byte "
          + "blocks");
    }
    return bytes;
  }

  /**
   * A volume size: a whole number of 512-byte blocks from one block to {@link
   * VolumeSpec#MAX_SIZE_BYTES}; 400 naming the field otherwise.
   */
  private static long volumeSize(Map<String, Object> body, String field) {
    long bytes = size(body, field, true);
    if (bytes > VolumeSpec.MAX_SIZE_BYTES) {
      throw ApiException.badField(field, field + " must be at most "
          + ByteSizes.format(VolumeSpec.MAX_SIZE_BYTES) + " (the largest volume Tiergate "
          + "serves)");
    }
    return bytes;
  }

  static Map<String, Object> usageJson(SpaceUsage u) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("provisionedBytes", u.provisionedBytes());
    m.put("logicalBytes", u.logicalBytes());
    m.put("uniqueBytes", u.uniqueBytes());
    m.put("storedBytes", u.storedBytes());
    m.put("chunkBytes", u.chunkBytes());
    m.put("dedupRatio", Math.round(u.dedupRatio() * 100) / 100.0);
    m.put("compressionRatio", Math.round(u.compressionRatio() * 100) / 100.0);
    return m;
  }
}
