package io.tiergate.gateway.cli;

import io.tiergate.crypto.CryptoException;
import io.tiergate.crypto.PassphrasePolicy;
import io.tiergate.gateway.admin.LocalAdmin;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * First-boot setup ({@code ./tiergate setup}, {@code Invoke-SetupWizard}): the admin password,
 * the passphrase (asked twice, checked against the policy) and the network settings, each
 * prompted for unless given as a flag. Writes the admin password hash into the data
 * directory, the passphrase into an owner-only file, and {@code tiergate.conf}, which {@code
 * ./tiergate run} reads from the data directory. While a gateway runs on the directory, the password is set
 * through its API instead. Cloud credentials wait for the cloud tier.
 */
final class SetupWizard {
  private SetupWizard() {}

  static int run(Context ctx, Args a) {
    boolean interactive = !a.flag("noninteractive");
    Path dir = ctx.dataDir;
    ctx.out.println("Tiergate setup for data directory " + dir.toAbsolutePath());
    Connection running = Connection.local(dir);

    // 1. Admin password.
    char[] password = a.has("adminpassword") ? a.get("adminpassword").toCharArray() : null;
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
      char[] pass = a.has("passphrase") ? a.get("passphrase").toCharArray() : null;
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

    // 3. Network settings.
    String iscsi = setting(ctx, a, "iscsilisten", "iSCSI portal host:port", "0.0.0.0:3260",
        interactive);
    String admin = setting(ctx, a, "adminlisten", "Admin API host:port", "127.0.0.1:8080",
        interactive);
    ctx.out.println("  cloud tier: not configured in this version (data stays on local disk)");

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
