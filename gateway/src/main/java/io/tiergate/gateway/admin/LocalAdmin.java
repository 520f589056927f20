package io.tiergate.gateway.admin;

import io.tiergate.gateway.tier.CloudConfig;
import io.tiergate.gateway.tier.CloudCredentials;
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

  /**
   * The cloud settings with the target an administrator saved in the data directory (with
   * {@code Set-CloudCredential} or the setup wizard), which the gateway uses over its flags.
   */
  public static CloudConfig savedCloud(Path dataDir, CloudConfig base) {
    return CloudSettings.applySaved(dataDir, base);
  }

  /**
   * Saves cloud credentials for the data directory while no gateway runs on it: the secret in
   * an owner-only file, the target beside it, and an audit event. The caller has tested them.
   */
  public static void saveCloud(Path dataDir, CloudCredentials creds) {
    CloudSettings.save(dataDir, creds, CloudConfig.defaults());
    Path admin = SecureFiles.ownerOnlyDir(dataDir.resolve("admin"));
    new EventLog(admin.resolve("events.jsonl"), AdminService.EVENT_CAPACITY).record(
        EventLog.Severity.INFO, "audit", "local-setup", "set the cloud tier: "
            + creds.describe());
  }

  /**
   * Records that a volume just made outside the API (the demo volume, {@code New-Volume} on
   * a data directory no gateway serves) is open to any initiator: access is never implied,
   * so a volume without a record is served to nobody.
   */
  public static void openVolumeAccess(Path dataDir, String volume) {
    Path admin = SecureFiles.ownerOnlyDir(dataDir.resolve("admin"));
    new VolumeAccess(admin.resolve(AdminService.VOLUME_ACCESS_FILE))
        .put(volume, VolumeAccess.Access.OPEN);
  }

  /** Writes a file readable only by its owner, atomically. */
  public static void writeSecret(Path file, byte[] content) {
    SecureFiles.write(file, content);
  }
}
