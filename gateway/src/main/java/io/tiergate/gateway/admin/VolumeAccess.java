package io.tiergate.gateway.admin;

import io.tiergate.iscsi.auth.ChapCredentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * iSCSI access settings per volume: the initiator allow list and CHAP (one-way or mutual).
 * Kept in {@code admin/volume-access.json}, mode 0600, since CHAP needs the secrets in the
 * clear; the API only ever shows whether a secret is set.
 */
final class VolumeAccess {
  private static final Pattern IQN = Pattern.compile("(iqn\\.|eui\\.|naa\\.)[\\x21-\\x7e]{1,219}");

  /** CHAP settings; secrets never leave this class except to the iSCSI target. */
  record Chap(String user, String secret, String mutualUser, String mutualSecret) {
    ChapCredentials credentials() {
      return mutualUser == null ? ChapCredentials.of(user, secret)
          : ChapCredentials.mutual(user, secret, mutualUser, mutualSecret);
    }

    @Override
    public String toString() {
      return "Chap[user=" + user + ", mutualUser=" + mutualUser + "]";
    }
  }

  /** A volume's access settings. */
  record Access(List<String> acl, Chap chap) {
    static final Access OPEN = new Access(List.of(), null);

    Map<String, Object> toPublicJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("acl", acl);
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("enabled", chap != null);
      if (chap != null) {
        c.put("user", chap.user());
        c.put("mutual", chap.mutualUser() != null);
        if (chap.mutualUser() != null) {
          c.put("mutualUser", chap.mutualUser());
        }
      }
      m.put("chap", c);
      return m;
    }
  }

  private final Path file;
  private final Map<String, Access> byVolume = new TreeMap<>();

  @SuppressWarnings("unchecked")
  VolumeAccess(Path file) {
    this.file = file;
    if (Files.exists(file)) {
      try {
        Map<String, Object> m = Json.parseObject(Files.readString(file));
        for (Map.Entry<String, Object> e : m.entrySet()) {
          Map<String, Object> v = (Map<String, Object>) e.getValue();
          Map<String, Object> c = (Map<String, Object>) v.get("chap");
          Chap chap = c == null ? null : new Chap((String) c.get("user"),
              (String) c.get("secret"), (String) c.get("mutualUser"),
              (String) c.get("mutualSecret"));
          byVolume.put(e.getKey(), new Access(
              List.copyOf((List<String>) (List<?>) v.getOrDefault("acl", List.of())), chap));
        }
      } catch (IOException | RuntimeException e) {
        throw new IllegalStateException("cannot read " + file + ": it is damaged", e);
      }
    }
  }

  synchronized Access get(String volume) {
    return byVolume.getOrDefault(volume, Access.OPEN);
  }

  synchronized void put(String volume, Access access) {
    byVolume.put(volume, access);
    save();
  }

  synchronized void remove(String volume) {
    if (byVolume.remove(volume) != null) {
      save();
    }
  }

  /** Drops settings of volumes that no longer exist. */
  synchronized void retain(Set<String> volumes) {
    if (byVolume.keySet().retainAll(volumes)) {
      save();
    }
  }

  /** Every CHAP secret, so that the support bundle can scrub them from anything it copies. */
  synchronized List<String> secrets() {
    List<String> out = new ArrayList<>();
    for (Access a : byVolume.values()) {
      if (a.chap() != null) {
        out.add(a.chap().secret());
        if (a.chap().mutualSecret() != null) {
          out.add(a.chap().mutualSecret());
        }
      }
    }
    return out;
  }

  private void save() {
    Map<String, Object> m = new LinkedHashMap<>();
    for (Map.Entry<String, Access> e : byVolume.entrySet()) {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("acl", e.getValue().acl());
      Chap c = e.getValue().chap();
      if (c != null) {
        Map<String, Object> cm = new LinkedHashMap<>();
        cm.put("user", c.user());
        cm.put("secret", c.secret());
        cm.put("mutualUser", c.mutualUser());
        cm.put("mutualSecret", c.mutualSecret());
        v.put("chap", cm);
      }
      m.put(e.getKey(), v);
    }
    SecureFiles.write(file, Json.encode(m).getBytes(StandardCharsets.UTF_8));
  }

  /** Validates an ACL given as a JSON array of initiator IQNs. */
  static List<String> parseAcl(Object value) {
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof List<?> l)) {
      throw ApiException.badField("acl", "acl must be a list of initiator IQNs");
    }
    List<String> out = new ArrayList<>();
    for (Object o : l) {
      if (!(o instanceof String s) || !IQN.matcher(s).matches()) {
        throw ApiException.badField("acl",
            "acl entries must be initiator names like iqn.1994-05.com.redhat:host1");
      }
      out.add(s);
    }
    return List.copyOf(out);
  }

  /** Validates CHAP given as a JSON object, or null/false for none. */
  static Chap parseChap(Object value) {
    if (value == null || Boolean.FALSE.equals(value)) {
      return null;
    }
    if (!(value instanceof Map<?, ?> m)) {
      throw ApiException.badField("chap", "chap must be an object with user and secret, or null");
    }
    String user = str(m.get("user"), "chap.user");
    String secret = str(m.get("secret"), "chap.secret");
    if (user == null || user.isBlank()) {
      throw ApiException.badField("chap.user", "chap.user is required");
    }
    if (secret == null || secret.length() < 12 || secret.length() > 16) {
      throw ApiException.badField("chap.secret",
          "chap.secret must have 12 to 16 characters (what initiators accept)");
    }
    String mu = str(m.get("mutualUser"), "chap.mutualUser");
    String ms = str(m.get("mutualSecret"), "chap.mutualSecret");
    if ((mu == null) != (ms == null)) {
      throw ApiException.badField(mu == null ? "chap.mutualUser" : "chap.mutualSecret",
          "mutual CHAP needs both mutualUser and mutualSecret");
    }
    if (ms != null && (ms.length() < 12 || ms.length() > 16)) {
      throw ApiException.badField("chap.mutualSecret", "chap.mutualSecret must have 12 to 16 characters");
    }
    if (ms != null && ms.equals(secret)) {
      throw ApiException.badField("chap.mutualSecret",
          "the mutual secret must differ from the initiator's secret");
    }
    return new Chap(user, secret, mu, ms);
  }

  private static String str(Object o, String field) {
    if (o == null) {
      return null;
    }
    if (!(o instanceof String s)) {
      throw ApiException.badField(field, field + " must be a string");
    }
    return s;
  }
}
