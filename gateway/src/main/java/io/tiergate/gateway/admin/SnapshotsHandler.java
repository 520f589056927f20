package io.tiergate.gateway.admin;

import io.tiergate.gateway.admin.AccessControl.Principal;
import io.tiergate.gateway.admin.HttpExchange.Request;
import io.tiergate.gateway.admin.HttpExchange.Response;
import io.tiergate.gateway.engine.BlockEngine;
import io.tiergate.gateway.engine.SnapshotInfo;
import io.tiergate.gateway.engine.SnapshotSpace;
import io.tiergate.gateway.engine.VolumeInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * The local snapshot endpoints of {@link Api#ROUTES}: take (of one volume or of a consistency
 * group at one instant), list, show, delete, clone into a new exported volume, and restore a
 * volume in place. The engine does the work and keeps it consistent under parallel callers;
 * this class checks the bodies strictly, takes {@link AdminService#volumeLock} where the set
 * of volumes or their exports change (a clone, a restore), and audits every change. Engine
 * refusals ({@code NO_SUCH_SNAPSHOT}, {@code SNAPSHOT_IN_USE}, ...) are mapped to statuses by
 * {@link Api#handle}, like every other failure.
 */
final class SnapshotsHandler {
  /** The longest description the engine keeps. */
  static final int MAX_DESCRIPTION = 1024;
  /** The most volumes one consistency group may hold. */
  static final int MAX_GROUP = 64;

  private SnapshotsHandler() {}

  static Map<String, Object> json(SnapshotInfo s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", s.id());
    m.put("volume", s.volume());
    m.put("type", "local");
    m.put("createdAt", Instant.ofEpochMilli(s.createdMillis()).toString());
    m.put("description", s.description());
    m.put("groupId", s.groupId());
    m.put("policy", s.policy());
    return m;
  }

  private static List<Object> json(List<SnapshotInfo> ss) {
    List<Object> out = new ArrayList<>();
    for (SnapshotInfo s : ss) {
      out.add(json(s));
    }
    return out;
  }

  /** A snapshot id from the path: a number, else there is no such snapshot. */
  private static long id(String text) {
    try {
      long id = Long.parseLong(text);
      if (id > 0) {
        return id;
      }
    } catch (NumberFormatException e) {
      // not a number: no snapshot has that id, said below
    }
    throw ApiException.notFound("no snapshot " + text);
  }

  private static String description(Map<String, Object> body) {
    String d = Api.string(body, "description", false);
    if (d == null) {
      return "";
    }
    if (d.length() > MAX_DESCRIPTION) {
      throw ApiException.badField("description",
          "description must be at most " + MAX_DESCRIPTION + " characters");
    }
    return d;
  }

  private static Map<String, Object> optionalBody(Request req) {
    if (req.body() == null || req.body().isBlank()) {
      return Map.of();
    }
    return Api.body(req);
  }

  // ---------------------------------------------------------------- reads

  static Response listOfVolume(Api a, Request req, Principal who, Matcher m) {
    VolumeInfo v = a.volume(m.group(1));
    return Response.json(200, Map.of("snapshots",
        json(a.service().host().engine().listSnapshots(v.name()))));
  }

  static Response list(Api a, Request req, Principal who, Matcher m) {
    BlockEngine engine = a.service().host().engine();
    String volume = req.param("volume");
    List<SnapshotInfo> ss = volume == null ? engine.listSnapshots()
        : engine.listSnapshots(a.volume(volume).name());
    return Response.json(200, Map.of("snapshots", json(ss)));
  }

  static Response get(Api a, Request req, Principal who, Matcher m) {
    BlockEngine engine = a.service().host().engine();
    long id = id(m.group(1));
    Map<String, Object> out = json(engine.snapshot(id));
    SnapshotSpace space = engine.snapshotSpace(id);
    out.put("exclusiveBytes", space.exclusiveBytes());
    out.put("deltaChunks", space.deltaChunks());
    return Response.json(200, out);
  }

  // ---------------------------------------------------------------- changes

  static Response createOfVolume(Api a, Request req, Principal who, Matcher m) {
    Map<String, Object> body = optionalBody(req);
    Api.onlyFields(body, "description");
    String description = description(body);
    VolumeInfo v = a.volume(m.group(1));
    List<SnapshotInfo> made = a.service().host().engine().createSnapshot(List.of(v.name()),
        description, false);
    SnapshotInfo s = made.get(0);
    a.audit(req, who, "took snapshot " + s.id() + " of volume " + v.name()
        + (description.isEmpty() ? "" : " (" + description + ")"));
    return Response.json(201, json(s));
  }

  static Response createGroup(Api a, Request req, Principal who, Matcher m) {
    Map<String, Object> body = Api.body(req);
    Api.onlyFields(body, "volumes", "description");
    if (!(body.get("volumes") instanceof List<?> l) || l.isEmpty()) {
      throw ApiException.badField("volumes", "volumes must be a non-empty list of volume names");
    }
    if (l.size() > MAX_GROUP) {
      throw ApiException.badField("volumes", "a consistency group holds at most " + MAX_GROUP
          + " volumes");
    }
    Set<String> names = new LinkedHashSet<>();
    for (Object o : l) {
      if (!(o instanceof String s)) {
        throw ApiException.badField("volumes", "volumes must be a list of volume names");
      }
      if (!names.add(s.toLowerCase(Locale.ROOT))) {
        throw ApiException.badField("volumes", "volume " + s + " is named twice");
      }
    }
    String description = description(body);
    for (String n : names) {
      a.volume(n);
    }
    List<SnapshotInfo> made = a.service().host().engine().createSnapshot(
        new ArrayList<>(names), description, false);
    List<String> what = new ArrayList<>();
    for (SnapshotInfo s : made) {
      what.add(s.id() + " of " + s.volume());
    }
    a.audit(req, who, "took snapshot(s) " + String.join(", ", what)
        + (made.size() > 1 ? " as one consistency group " + made.get(0).groupId() : "")
        + (description.isEmpty() ? "" : " (" + description + ")"));
    return Response.json(201, Map.of("snapshots", json(made)));
  }

  static Response delete(Api a, Request req, Principal who, Matcher m) {
    long id = id(m.group(1));
    BlockEngine engine = a.service().host().engine();
    SnapshotInfo s = engine.snapshot(id);
    engine.deleteSnapshot(id);
    a.audit(req, who, "deleted snapshot " + id + " of volume " + s.volume());
    return Response.noContent();
  }

  static Response cloneOf(Api a, Request req, Principal who, Matcher m) {
    long id = id(m.group(1));
    Map<String, Object> body = Api.body(req);
    Api.onlyFields(body, "name", "acl", "chap");
    String name = Api.string(body, "name", true).toLowerCase(Locale.ROOT);
    if (!Api.VOLUME_NAME.matcher(name).matches()) {
      throw ApiException.badField("name",
          "name must be 1-63 of a-z 0-9 . - starting with a letter or digit");
    }
    if (!body.containsKey("acl") && !body.containsKey("chap")) {
      // The clone holds the origin's data: it is never opened to everyone by omission.
      throw ApiException.badField("acl", "give the clone's access: acl (initiator IQNs; [] "
          + "for any initiator) and/or chap");
    }
    List<String> acl = VolumeAccess.parseAcl(body.get("acl"));
    VolumeAccess.Chap chap = VolumeAccess.parseChap(body.get("chap"));
    AdminService service = a.service();
    BlockEngine engine = service.host().engine();
    SnapshotInfo origin;
    synchronized (service.volumeLock) {
      origin = engine.snapshot(id);
      if (engine.findVolume(name) != null) {
        throw ApiException.conflict("volume_exists", "volume exists: " + name);
      }
      // As POST /volumes: the access record first, so the clone is never served without it.
      service.volumeAccess().put(name, new VolumeAccess.Access(acl, chap));
      try {
        engine.cloneSnapshot(id, name);
      } catch (RuntimeException e) {
        service.volumeAccess().remove(name);
        throw e;
      }
      service.export(name);
    }
    a.audit(req, who, "cloned snapshot " + id + " of volume " + origin.volume()
        + " as volume " + name + (acl.isEmpty() ? (chap == null ? " (open to any initiator)"
            : "") : ", ACL " + acl) + (chap != null ? ", CHAP" : ""));
    Map<String, Object> out = service.volumeJson(a.volume(name), false);
    out.put("originSnapshot", id);
    out.put("originVolume", origin.volume());
    return Response.json(201, out);
  }

  static Response restore(Api a, Request req, Principal who, Matcher m) {
    Map<String, Object> body = Api.body(req);
    Api.onlyFields(body, "snapshot", "force");
    long id = snapshotField(body);
    boolean force = Api.bool(body, "force", false);
    AdminService service = a.service();
    BlockEngine engine = service.host().engine();
    SnapshotInfo target;
    SnapshotInfo undo;
    int closed;
    String name;
    synchronized (service.volumeLock) {
      VolumeInfo v = a.volume(m.group(1));
      name = v.name();
      target = engine.snapshot(id);
      if (!target.volume().equals(name)) {
        throw ApiException.badField("snapshot", "snapshot " + id + " is a snapshot of volume "
            + target.volume() + ", not of " + name + " (clone it instead)");
      }
      int sessions = service.host().sessionCount(service.host().iqn(name));
      if (sessions > 0 && !force) {
        throw ApiException.conflict("sessions_logged_in", sessions
            + " iSCSI session(s) are logged in to volume " + name + "; log them out first, "
            + "or restore with force=true (their connections are closed)");
      }
      // Not served while its content changes under it: initiators would hold stale caches.
      closed = service.unexport(name);
      try {
        undo = engine.restoreVolume(name, id);
      } finally {
        service.export(name);
      }
      service.volumeChanged(name);
    }
    a.audit(req, who, "restored volume " + name + " to snapshot " + id + " (undo snapshot "
        + undo.id() + (closed > 0 ? ", forced, " + closed + " session(s) closed" : "") + ")");
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("volume", name);
    out.put("restoredTo", json(target));
    out.put("undoSnapshot", json(undo));
    out.put("closedSessions", closed);
    return Response.json(200, out);
  }

  private static long snapshotField(Map<String, Object> body) {
    Object v = body.get("snapshot");
    if (v == null) {
      throw ApiException.badField("snapshot", "snapshot is required (a snapshot id)");
    }
    long id = -1;
    if (v instanceof Long l) {
      id = l;
    } else if (v instanceof String s && s.matches("[0-9]{1,18}")) {
      id = Long.parseLong(s);
    }
    if (id <= 0) {
      throw ApiException.badField("snapshot", "snapshot must be a snapshot id");
    }
    return id;
  }
}
