package io.tiergate.gateway.cli;

import io.tiergate.crypto.CryptoException;
import io.tiergate.crypto.PassphrasePolicy;
import io.tiergate.gateway.admin.LocalAdmin;
import io.tiergate.gateway.tier.CloudCredentials;
import io.tiergate.tiering.meta.CloudMetadata;
import io.tiergate.tiering.store.ObjectStore;
import io.tiergate.tiering.store.ObjectStoreException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * First-boot setup ({@code ./tiergate setup}, {@code Invoke-SetupWizard}): the admin password,
 * the passphrase (asked twice, checked against the policy) and the network settings, each
 * prompted for unless given as a flag. Writes the admin password hash into the data
 * directory, the passphrase into an owner-only file, and {@code tiergate.conf}, which {@code
 * ./tiergate run} reads from the data directory. While a gateway runs on the directory, the password is set
 * through its API instead.
 *
 * <p>The cloud tier: a local directory (the default) or an Azure Blob container reached with a
 * connection string, an account name and key, or a SAS token. The credentials are tested
 * (reachable, accepted, and holding no other appliance's keys) before they are saved; a failed
 * test asks again, or ends an unattended setup with exit status 1. They are saved like {@code
 * Set-CloudCredential} saves them (the secret in an owner-only file in {@code admin/}), or,
 * while a gateway runs, set through its API, which also checks its data is not stranded.
 */
final class SetupWizard {
  private SetupWizard() {}

  static int run(Context ctx, Args a) {
    boolean interactive = !a.flag("noninteractive");
    Path dir = ctx.dataDir;
    ctx.out.println("Tiergate setup for data directory " + dir.toAbsolutePath());
    // A gateway still starting on dir is waited for: writing its files beside it would race.
    Connection running = Connection.awaitLocal(dir, ctx.err);

    // 1. Admin password.
    char[] password = ctx.secret(a, "adminpassword");
    if (password == null) {
      if (!interactive) {
        throw new CliException(CliException.USAGE, "-AdminPassword is required with -NonInteractive");
      }
      password = askTwice(ctx, "Admin password (at least 12 characters): ");
    }
    String problem = LocalAdmin.passwordProblem(password);
    if (problem != null) {
      throw new CliException(CliException.USAGE, problem + " (parameter: AdminPassword)");
    }
    try {
      if (running != null) {
        ctx.call("PUT", "/api/v1/security/password", Map.of("new", new String(password)));
      } else {
        Files.createDirectories(dir);
        LocalAdmin.setPassword(dir, password);
      }
    } catch (java.io.IOException e) {
      throw new CliException(CliException.FAILURE, "cannot create " + dir + ": " + e.getMessage());
    } finally {
      Arrays.fill(password, '\0');
    }
    ctx.out.println("  admin password: set");

    // 2. Passphrase, only before the key ring exists (afterwards: Set-Passphrase).
    Path passFile = Path.of(a.has("passphrasefile") ? a.get("passphrasefile")
        : dir.resolve("passphrase").toString());
    if (Files.exists(dir.resolve("keyring"))) {
      ctx.out.println("  passphrase: the key ring exists already; change it with "
          + "Set-Passphrase while the gateway runs");
      passFile = Files.exists(passFile) ? passFile : null;
    } else {
      char[] pass = ctx.secret(a, "passphrase");
      if (pass == null) {
        if (!interactive) {
          throw new CliException(CliException.USAGE, "-Passphrase is required with -NonInteractive");
        }
        ctx.out.println("  The passphrase protects every key: without it no data can be read,"
            + " by anyone. Keep a copy somewhere safe.");
        pass = askTwice(ctx, "Passphrase (at least " + PassphrasePolicy.MIN_LENGTH
            + " characters): ");
      }
      try {
        PassphrasePolicy.standard().check(pass);
      } catch (CryptoException e) {
        Arrays.fill(pass, '\0');
        throw new CliException(CliException.USAGE, "passphrase too weak: " + e.getMessage()
            + " (parameter: Passphrase)");
      }
      ByteBuffer bb = StandardCharsets.UTF_8.encode(CharBuffer.wrap(pass));
      byte[] bytes = new byte[bb.remaining() + 1];
      bb.get(bytes, 0, bytes.length - 1);
      bytes[bytes.length - 1] = '\n';
      LocalAdmin.writeSecret(passFile, bytes);
      Arrays.fill(bytes, (byte) 0);
      Arrays.fill(pass, '\0');
      ctx.out.println("  passphrase: kept in " + passFile.toAbsolutePath() + " (owner only)");
    }

    // 3. Cloud tier, tested before anything is saved.
    cloud(ctx, a, interactive, dir, running);

    // 4. Network settings.
    String iscsi = setting(ctx, a, "iscsilisten", "iSCSI portal host:port", "0.0.0.0:3260",
        interactive);
    String admin = setting(ctx, a, "adminlisten", "Admin API host:port", "127.0.0.1:8080",
        interactive);

    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("data-dir", dir.toAbsolutePath().toString());
    conf.put("iscsi-listen", iscsi);
    conf.put("admin-listen", admin);
    if (passFile != null) {
      conf.put("passphrase-file", passFile.toAbsolutePath().toString());
    }
    StringBuilder b = new StringBuilder("# Written by ./tiergate setup\n");
    conf.forEach((k, v) -> b.append(k).append(" = ").append(v.replace("\\", "\\\\"))
        .append('\n'));
    Path confFile = dir.resolve("tiergate.conf");
    LocalAdmin.writeSecret(confFile, b.toString().getBytes(StandardCharsets.UTF_8));
    ctx.out.println("Settings saved in " + confFile.toAbsolutePath() + ".");
    ctx.out.println((running != null ? "Restart the gateway to apply network settings: "
        : "Start the gateway with: ") + "./tiergate run --data-dir " + dir
        + " (it reads " + confFile.getFileName() + " from there)");
    return 0;
  }

  private static final List<String> CLOUD_FLAGS = List.of("clouddirectory",
      "connectionstringfile", "storageaccountname", "storageaccountkeyfile", "sastokenfile",
      "blobendpoint", "container");

  /** Step 3: chooses, tests and saves the cloud tier. */
  private static void cloud(Context ctx, Args a, boolean interactive, Path dir,
      Connection running) {
    boolean flags = CLOUD_FLAGS.stream().anyMatch(a::has) || a.has("cloud");
    if (!flags && !interactive) {
      ctx.out.println("  cloud tier: " + (Files.exists(dir.resolve("admin/cloud.conf"))
          ? "unchanged" : "local directory " + dir.resolve("cloud").toAbsolutePath()));
      return;
    }
    for (int attempt = 1; ; attempt++) {
      Map<String, Object> body = flags ? cloudFromFlags(ctx, a) : cloudFromPrompts(ctx, dir);
      if (body == null) {
        ctx.out.println("  cloud tier: " + (Files.exists(dir.resolve("admin/cloud.conf"))
            ? "unchanged" : "local directory " + dir.resolve("cloud").toAbsolutePath()));
        return;
      }
      try {
        String what = running != null ? viaApi(ctx, body) : testAndSave(ctx, dir, body);
        ctx.out.println("  cloud tier: " + what);
        return;
      } catch (CliException e) {
        if (flags || !interactive || attempt >= 3 || e.exitCode() == CliException.UNREACHABLE) {
          throw e;
        }
        ctx.err.println("  " + e.getMessage());
        ctx.err.println("  Try again.");
      }
    }
  }

  private static Map<String, Object> cloudFromFlags(Context ctx, Args a) {
    String kind = a.has("cloud") ? a.get("cloud").toLowerCase(java.util.Locale.ROOT) : null;
    if (kind != null && !kind.equals("local") && !kind.equals("azure")) {
      throw new CliException(CliException.USAGE, "-Cloud must be Local or Azure");
    }
    if ("local".equals(kind) || kind == null && a.has("clouddirectory")) {
      if (!a.has("clouddirectory")) {
        return null;
      }
      return new LinkedHashMap<>(Map.of("directory",
          Path.of(a.get("clouddirectory")).toAbsolutePath().toString()));
    }
    if (a.has("clouddirectory")) {
      throw new CliException(CliException.USAGE, "-CloudDirectory is for -Cloud Local");
    }
    Map<String, Object> body = Actions.credentialBody(ctx, a, false);
    if (body == null) {
      throw new CliException(CliException.USAGE, "-Cloud Azure needs -ConnectionStringFile, "
          + "-StorageAccountName with -StorageAccountKeyFile, or -SasTokenFile");
    }
    return body;
  }

  private static Map<String, Object> cloudFromPrompts(Context ctx, Path dir) {
    ctx.out.println("  Cloud tier: where cold data goes, packed and encrypted.");
    ctx.out.println("    1) a local directory (default " + dir.resolve("cloud").toAbsolutePath()
        + ")");
    ctx.out.println("    2) Azure Blob storage with a connection string");
    ctx.out.println("    3) Azure Blob storage with an account name and access key");
    ctx.out.println("    4) Azure Blob storage with a SAS token");
    String choice = ctx.prompter.line("  Choice [1]: ").trim();
    Map<String, Object> body = new LinkedHashMap<>();
    switch (choice.isEmpty() ? "1" : choice) {
      case "1" -> {
        String d = ctx.prompter.line("  Directory [" + dir.resolve("cloud").toAbsolutePath()
            + "]: ").trim();
        if (d.isEmpty()) {
          return null;
        }
        body.put("directory", Path.of(d).toAbsolutePath().toString());
        return body;
      }
      case "2" -> body.put("connectionString", Actions.secret(ctx, null,
          "  Connection string (not shown): "));
      case "3", "4" -> {
        body.put("accountName", ctx.prompter.line("  Storage account name: ").trim());
        if (choice.equals("3")) {
          body.put("accountKey", Actions.secret(ctx, null, "  Access key (not shown): "));
        } else {
          body.put("sasToken", Actions.secret(ctx, null, "  SAS token (not shown): "));
        }
        String ep = ctx.prompter.line("  Blob endpoint [https://" + body.get("accountName")
            + ".blob.core.windows.net]: ").trim();
        if (!ep.isEmpty()) {
          body.put("endpoint", ep);
        }
      }
      default -> throw new CliException(CliException.USAGE, "choose 1, 2, 3 or 4");
    }
    String c = ctx.prompter.line("  Container [tiergate]: ").trim();
    body.put("container", c.isEmpty() ? "tiergate" : c);
    return body;
  }

  /** A running gateway tests, checks and switches itself. */
  private static String viaApi(Context ctx, Map<String, Object> body) {
    Connection.Reply r = ctx.call("PUT", "/api/v1/cloud/credentials", body);
    return r.json().get("target") + " (tested, in use)";
  }

  /** No gateway runs: test here, refuse another appliance's store, then save. */
  private static String testAndSave(Context ctx, Path dir, Map<String, Object> body) {
    CloudCredentials creds;
    try {
      if (body.containsKey("directory")) {
        creds = CloudCredentials.directory(Path.of((String) body.get("directory")));
      } else if (body.containsKey("connectionString")) {
        creds = CloudCredentials.connectionString((String) body.get("connectionString"),
            (String) body.get("container"));
      } else if (body.containsKey("accountKey")) {
        creds = CloudCredentials.accountKey((String) body.get("accountName"),
            (String) body.get("accountKey"), (String) body.get("container"),
            (String) body.get("endpoint"));
      } else {
        creds = CloudCredentials.sas((String) body.get("accountName"),
            (String) body.get("sasToken"), (String) body.get("container"),
            (String) body.get("endpoint"));
      }
    } catch (CloudCredentials.InvalidField e) {
      throw new CliException(CliException.USAGE, e.getMessage() + " (parameter: "
          + e.field() + ")");
    }
    boolean containerExists = true;
    byte[] theirRing;
    try (ObjectStoreHandle h = new ObjectStoreHandle(creds.open(null, false,
        java.time.Duration.ofSeconds(3)))) {
      try {
        h.store.list("keys/");
      } catch (ObjectStoreException e) {
        if (e.code() != ObjectStoreException.Code.NOT_FOUND || !creds.azure()) {
          throw e;
        }
        containerExists = false;
      }
      theirRing = containerExists
          ? new CloudMetadata(h.store).latestKeyRing().orElse(null) : null;
    } catch (ObjectStoreException e) {
      throw new CliException(CliException.FAILURE, switch (e.code()) {
        case AUTH_FAILED -> creds.describe() + " refused the credentials: check the account "
            + "name and key (or the SAS token's permissions and expiry)";
        case INVALID -> "cannot use " + creds.describe() + ": the settings are not valid";
        default -> creds.describe() + " could not be reached (" + e.code() + "): check the "
            + "endpoint and the network";
      } + "; nothing was saved");
    }
    Path ring = dir.resolve("keyring");
    try {
      if (Files.exists(ring) ? theirRing == null || !Arrays.equals(theirRing,
          Files.readAllBytes(ring)) : theirRing != null) {
        throw new CliException(CliException.CONFLICT, theirRing != null && !Files.exists(ring)
            ? creds.describe() + " holds another appliance's keys; choose an empty container"
            : "this appliance has keys already, and " + creds.describe() + " does not hold "
                + "them: start the gateway and use Set-CloudCredential, which checks that no "
                + "data in the cloud is stranded; nothing was saved");
      }
    } catch (java.io.IOException e) {
      throw new CliException(CliException.FAILURE, "cannot read " + ring + ": "
          + e.getMessage());
    }
    LocalAdmin.saveCloud(dir, creds);
    return creds.describe() + " (tested: reachable" + (creds.azure() ? ", credentials "
        + "accepted" + (containerExists ? "" : ", container created on first start") : "")
        + ")";
  }

  /** Closes a store with try-with-resources. */
  private record ObjectStoreHandle(ObjectStore store) implements AutoCloseable {
    @Override
    public void close() {
      store.close();
    }
  }

  private static String setting(Context ctx, Args a, String key, String label, String dflt,
      boolean interactive) {
    String v = a.get(key);
    if (v == null && interactive) {
      v = ctx.prompter.line("  " + label + " [" + dflt + "]: ").trim();
    }
    if (v == null || v.isEmpty()) {
      v = dflt;
    }
    int colon = v.lastIndexOf(':');
    try {
      int port = Integer.parseInt(v.substring(colon + 1));
      if (colon < 0 || port < 0 || port > 65535) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      throw new CliException(CliException.USAGE, label + " must be host:port, got " + v);
    }
    return v;
  }

  /** Asks for a secret twice until both answers match. */
  static char[] askTwice(Context ctx, String prompt) {
    for (int i = 0; i < 3; i++) {
      char[] one = ctx.prompter.secret(prompt);
      char[] two = ctx.prompter.secret("Again: ");
      if (Arrays.equals(one, two)) {
        Arrays.fill(two, '\0');
        return one;
      }
      Arrays.fill(one, '\0');
      Arrays.fill(two, '\0');
      ctx.err.println("The two entries differ; try again.");
    }
    throw new CliException(CliException.USAGE, "the entries did not match");
  }
}
