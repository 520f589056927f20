package io.tiergate.gateway.cli;

import io.tiergate.gateway.admin.Json;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The snapshot cmdlets' actions ({@code New-Snapshot}, {@code Get-Snapshot}, {@code
 * Remove-Snapshot}, {@code New-VolumeClone}, {@code Restore-Volume}): each builds a request
 * for the local snapshot endpoints, calls the API and prints the answer.
 */
final class SnapshotActions {
  private SnapshotActions() {}

  private static String volume(String name) {
    return name.trim().toLowerCase(Locale.ROOT);
  }

  /** A snapshot id as given; refused here rather than sent as a path the API cannot know. */
  private static String id(Args a, String key) {
    String id = a.get(key).trim();
    if (!id.matches("[0-9]{1,18}")) {
      throw new CliException(CliException.USAGE, "-" + (key.equals("id") ? "Id" : "Snapshot")
          + " must be a snapshot id (a number, as Get-Snapshot shows)");
    }
    return id;
  }

  @SuppressWarnings("unchecked")
  static int newSnapshot(Context ctx, Args a) {
    List<String> volumes = Arrays.stream(a.get("volume").split(",")).map(String::trim)
        .filter(s -> !s.isEmpty()).map(SnapshotActions::volume).toList();
    if (volumes.isEmpty()) {
      throw new CliException(CliException.USAGE, "-Volume needs at least one volume name");
    }
    Map<String, Object> body = new LinkedHashMap<>();
    if (a.has("description")) {
      body.put("description", a.get("description"));
    }
    Connection.Reply r;
    List<Object> made;
    if (volumes.size() == 1) {
      r = ctx.call("POST", "/api/v1/volumes/" + Actions.enc(volumes.get(0)) + "/snapshots",
          body);
      made = List.of(r.json());
    } else {
      body.put("volumes", volumes);
      r = ctx.call("POST", "/api/v1/snapshots", body);
      made = (List<Object>) r.json().get("snapshots");
    }
    if (ctx.printedJson(r)) {
      return 0;
    }
    for (Object o : made) {
      Map<String, Object> s = (Map<String, Object>) o;
      ctx.out.println("Took snapshot " + s.get("id") + " of volume " + s.get("volume")
          + (made.size() > 1 ? " (consistency group " + s.get("groupId") + ")" : "") + ".");
    }
    return 0;
  }

  @SuppressWarnings("unchecked")
  static int getSnapshot(Context ctx, Args a) {
    Connection.Reply r;
    List<Object> ss;
    if (a.has("id")) {
      r = ctx.call("GET", "/api/v1/snapshots/" + id(a, "id"), null);
      ss = List.of(r.json());
    } else {
      r = ctx.call("GET", a.has("volume")
          ? "/api/v1/snapshots?volume=" + Actions.enc(volume(a.get("volume")))
          : "/api/v1/snapshots", null);
      ss = (List<Object>) r.json().get("snapshots");
    }
    if (ctx.printedJson(r)) {
      return 0;
    }
    List<List<String>> rows = new ArrayList<>();
    for (Object o : ss) {
      Map<String, Object> s = (Map<String, Object>) o;
      List<String> row = new ArrayList<>(List.of(Actions.str(s.get("id")),
          Actions.str(s.get("volume")), Actions.str(s.get("type")),
          Actions.str(s.get("createdAt")), Actions.str(s.get("groupId")),
          Actions.str(s.get("description"))));
      if (a.has("id")) {
        row.add(Actions.bytes(s.get("exclusiveBytes")));
      }
      rows.add(row);
    }
    List<String> headers = new ArrayList<>(List.of("Id", "Volume", "Type", "Created", "Group",
        "Description"));
    if (a.has("id")) {
      headers.add("Exclusive");
    }
    ctx.table(headers, rows);
    return 0;
  }

  static int removeSnapshot(Context ctx, Args a) {
    String id = id(a, "id");
    ctx.call("DELETE", "/api/v1/snapshots/" + id, null);
    ctx.out.println(ctx.json ? Json.encode(Map.of("deleted", Long.parseLong(id)))
        : "Deleted snapshot " + id + ".");
    return 0;
  }

  static int newClone(Context ctx, Args a) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", volume(a.get("name")));
    if (a.has("acl")) {
      body.put("acl", Actions.acl(a.get("acl")));
    }
    Object chap = Actions.chap(ctx, a);
    if (chap != null) {
      body.put("chap", chap);
    }
    if (!body.containsKey("acl") && chap == null) {
      throw new CliException(CliException.USAGE, "New-VolumeClone needs the clone's access: "
          + "-Acl IQN,... (or -Acl any for every initiator) and/or -ChapUser/-ChapSecret");
    }
    Connection.Reply r = ctx.call("POST", "/api/v1/snapshots/" + id(a, "snapshot") + "/clone",
        body);
    if (ctx.printedJson(r)) {
      return 0;
    }
    Map<String, Object> v = r.json();
    ctx.out.println("Created volume " + v.get("name") + " from snapshot "
        + v.get("originSnapshot") + " of " + v.get("originVolume") + ": target "
        + v.get("target") + " LUN 0 at " + v.get("portal"));
    return 0;
  }

  @SuppressWarnings("unchecked")
  static int restoreVolume(Context ctx, Args a) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("snapshot", Long.parseLong(id(a, "snapshot")));
    if (a.flag("force")) {
      body.put("force", true);
    }
    String name = volume(a.get("name"));
    Connection.Reply r = ctx.call("POST", "/api/v1/volumes/" + Actions.enc(name) + "/restore",
        body);
    if (ctx.printedJson(r)) {
      return 0;
    }
    Map<String, Object> undo = (Map<String, Object>) r.json().get("undoSnapshot");
    Object closed = r.json().get("closedSessions");
    ctx.out.println("Restored volume " + name + " to snapshot " + body.get("snapshot")
        + (closed instanceof Number n && n.longValue() > 0 ? " (" + n + " session(s) closed)"
            : "") + ". To undo: Restore-Volume -Name " + name + " -Snapshot " + undo.get("id"));
    return 0;
  }
}
