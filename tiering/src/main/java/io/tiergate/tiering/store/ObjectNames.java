package io.tiergate.tiering.store;

import java.util.regex.Pattern;

/** The one rule for object names, checked by every store before it touches anything. */
public final class ObjectNames {

  private static final Pattern SEGMENT = Pattern.compile("[a-z0-9][a-z0-9._-]{0,127}");
  private static final int MAX_LENGTH = 512;

  private ObjectNames() {}

  /**
   * Checks that {@code name} is relative, slash-separated segments of lower-case letters,
   * digits, dot, underscore and hyphen, each starting with a letter or digit.
   *
   * @return the name
   * @throws ObjectStoreException with {@code INVALID} otherwise
   */
  public static String check(String name) {
    if (name == null || name.isEmpty() || name.length() > MAX_LENGTH) {
      throw new ObjectStoreException(ObjectStoreException.Code.INVALID, "invalid object name length");
    }
    for (String segment : name.split("/", -1)) {
      if (!SEGMENT.matcher(segment).matches()) {
        throw new ObjectStoreException(
            ObjectStoreException.Code.INVALID, "invalid object name: " + name);
      }
    }
    return name;
  }

  /** Checks a listing prefix: empty, or a name prefix that may end with a slash. */
  static String checkPrefix(String prefix) {
    if (prefix.isEmpty()) {
      return prefix;
    }
    String p = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    if (!p.isEmpty()) {
      check(p);
    }
    return prefix;
  }
}
