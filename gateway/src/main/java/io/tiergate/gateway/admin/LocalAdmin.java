package io.tiergate.gateway.admin;

import java.nio.file.Path;

/**
 * Administration of a data directory while no gateway runs on it, for first-boot setup on the
 * appliance itself: setting the admin password and checking it against the policy.
 */
public final class LocalAdmin {
  private LocalAdmin() {}

  /** The password policy's complaint about {@code password}, or null when it is acceptable. */
  public static String passwordProblem(char[] password) {
    return AccessControl.passwordProblem(password);
  }

  /** Whether an admin password is set for the data directory. */
  public static boolean passwordSet(Path dataDir) {
    return new AccessControl(SecureFiles.ownerOnlyDir(dataDir.resolve("admin"))).passwordSet();
  }

  /** Sets the admin password of the data directory, recording it in the event log. */
  public static void setPassword(Path dataDir, char[] password) {
    String problem = passwordProblem(password);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    Path admin = SecureFiles.ownerOnlyDir(dataDir.resolve("admin"));
    new AccessControl(admin).setPassword(password);
    new EventLog(admin.resolve("events.jsonl"), AdminService.EVENT_CAPACITY).record(
        EventLog.Severity.INFO, "audit", "local-setup", "set the admin password");
  }

  /** Writes a file readable only by its owner, atomically. */
  public static void writeSecret(Path file, byte[] content) {
    SecureFiles.write(file, content);
  }
}
