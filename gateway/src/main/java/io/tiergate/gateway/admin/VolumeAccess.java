package io.tiergate.gateway.admin;

import io.tiergate.iscsi.auth.ChapCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * iSCSI access settings per volume: the initiator allow list and CHAP (one-way or mutual).
 * Kept in {@code admin/volume-access.json}, mode 0600, since CHAP needs the secrets in the
 * clear; the API only ever shows whether a secret is set.
 *
 * <p>Every volume has an explicit record, written with the volume (an open volume's record
 * says so: an empty allow list and no CHAP). A volume without one, or whose record cannot be
 * read, is {@linkplain Access#LOCKED locked}: served to nobody until an administrator sets its
 * access again. A lost or damaged file therefore closes volumes, never opens them.
 *
 * <p>The file carries {@value #FORMAT_KEY} = {@value #FORMAT}. A file without it (or no file)
 * was written by a build that served a volume without a record to anyone; such a data
 * directory's volumes are {@linkplain #adoptUnrecorded adopted} once, as open, so that an
 * upgrade does not lock out initiators that were logging in the day before.
 */
final class VolumeAccess {
  private static final Logger log = LoggerFactory.getLogger(VolumeAccess.class);
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

  /**
   * A volume's access settings.
   *
   * @param acl initiator names allowed to log in; empty for any
   * @param chap CHAP to pass, or null for none
   * @param locked no settings are known: nobody may log in
   */
  record Access(List<String> acl, Chap chap, boolean locked) {
    /** Anyone may log in: an explicit choice, never a default. */
    static final Access OPEN = new Access(List.of(), null);
    /** What a volume without a readable record gets. */
    static final Access LOCKED = new Access(List.of(), null, true);

    Access(List<String> acl, Chap chap) {
      this(acl, chap, false);
    }

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
      m.put("accessLocked", locked);
      return m;
    }
  }

  /** The member naming the file's format; volume names cannot start with an underscore. */
  static final String FORMAT_KEY = "_format";
  /** Format 2: every volume has an explicit record. */
  static final int FORMAT = 2;

  private final Path file;
  private final Map<String, Access> byVolume = new TreeMap<>();
  /** Written by a build for which a missing record meant open. */
  private boolean legacy;
  /** Volumes whose record was there but could not be read (they stay locked). */
  private final Set<String> unreadable = new TreeSet<>();

  VolumeAccess(Path file) {
    this.file = file;
    if (!Files.exists(file)) {
      legacy = true;
      return;
    }
    Map<String, Object> m;
    try {
      m = Json.parseObject(Files.readString(file));
    } catch (IOException | RuntimeException e) {
      // Every volume stays locked; the damaged file is kept aside for whoever repairs it, and
      // the next change writes a fresh one.
      Path aside = file.resolveSibling(file.getFileName() + ".damaged-"
          + System.currentTimeMillis());
      log.error("cannot read {} ({}): every volume is locked until its access is set again; "
          + "the file is kept as {}", file, e.getClass().getSimpleName(), aside);
      try {
        Files.move(file, aside);
      } catch (IOException x) {
        throw new UncheckedIOException("cannot move the damaged " + file + " aside", x);
      }
      unreadable.add("*");
      return;
    }
    legacy = !Long.valueOf(FORMAT).equals(m.get(FORMAT_KEY));
    for (Map.Entry<String, Object> e : m.entrySet()) {
      if (e.getKey().equals(FORMAT_KEY)) {
        continue;
      }
      try {
        byVolume.put(e.getKey(), decode(e.getValue()));
      } catch (RuntimeException x) {
        log.error("cannot read the access settings of volume {} in {}: it is locked until its "
            + "access is set again", e.getKey(), file);
        unreadable.add(e.getKey());
      }
    }
  }

  /** One record as saved; throws when any part of it is missing or of the wrong type. */
  @SuppressWarnings("unchecked")
  private static Access decode(Object value) {
    Map<String, Object> v = (Map<String, Object>) value;
    Object acl = v.get("acl");
    if (!(acl instanceof List<?>)) {
      throw new IllegalArgumentException("no acl");
    }
    List<String> names = new ArrayList<>();
    for (Object o : (List<Object>) acl) {
      names.add((String) Objects.requireNonNull(o));
    }
    Chap chap = null;
    if (v.get("chap") != null) {
      Map<String, Object> c = (Map<String, Object>) v.get("chap");
      String mu = (String) c.get("mutualUser");
      String ms = (String) c.get("mutualSecret");
      if ((mu == null) != (ms == null)) {
        throw new IllegalArgumentException("half a mutual CHAP setting");
      }
      chap = new Chap((String) Objects.requireNonNull(c.get("user")),
          (String) Objects.requireNonNull(c.get("secret")), mu, ms);
      chap.credentials(); // validates as the target will
    }
    return new Access(List.copyOf(names), chap);
  }

  /** A volume's settings; {@link Access#LOCKED} when it has no readable record. */
  synchronized Access get(String volume) {
    return byVolume.getOrDefault(volume, Access.LOCKED);
  }

  /**
   * On a data directory from before explicit records, gives each of {@code volumes} that has no
   * record the open record the older build served it with, and saves the file in the current
   * format; afterwards (and on any current file) a missing record means locked.
   *
   * @return the volumes adopted as open
   */
  synchronized List<String> adoptUnrecorded(Collection<String> volumes) {
    if (!legacy) {
      return List.of();
    }
    List<String> adopted = new ArrayList<>();
    for (String v : new TreeSet<>(volumes)) {
      if (!byVolume.containsKey(v) && !unreadable.contains(v)) {
        byVolume.put(v, Access.OPEN);
        adopted.add(v);
      }
    }
    legacy = false;
    save();
    return adopted;
  }

  /** Volumes whose saved record was unreadable at start ({@code *}: the whole file). */
  synchronized Set<String> unreadable() {
    return Set.copyOf(unreadable);
  }

  synchronized void put(String volume, Access access) {
    if (access.locked()) {
      throw new IllegalArgumentException("a locked setting is never saved");
    }
    Access before = byVolume.put(volume, access);
    try {
      save();
    } catch (RuntimeException e) {
      // Memory and file must agree: what the target is given is what a restart would read.
      restore(volume, before);
      throw e;
    }
    unreadable.remove(volume);
  }

  synchronized void remove(String volume) {
    Access before = byVolume.remove(volume);
    if (before != null) {
      try {
        save();
      } catch (RuntimeException e) {
        byVolume.put(volume, before);
        throw e;
      }
    }
  }

  private void restore(String volume, Access before) {
    if (before == null) {
      byVolume.remove(volume);
    } else {
      byVolume.put(volume, before);
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
    if (!legacy) {
      // Until adoption, the file stays what the older build wrote, so that nothing saved
      // before the admin service starts (an offline New-Volume) locks the volumes it has not
      // adopted yet.
      m.put(FORMAT_KEY, FORMAT);
    }
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
