package io.tiergate.gateway.tier;

import io.tiergate.tiering.store.AzureBlobObjectStore;
import io.tiergate.tiering.store.LocalDirectoryObjectStore;
import io.tiergate.tiering.store.ObjectStore;
import io.tiergate.tiering.store.ObjectStoreException;
import io.tiergate.tiering.store.RetryingObjectStore;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where the cloud tier stores, as an administrator gives it at run time or in the setup
 * wizard: a local directory, or an Azure Blob container with a connection string, an account
 * name and key, or a SAS token. Every Azure form is kept as one connection string (the form
 * {@code azure-connection-string-file} holds), so the gateway opens them all the same way.
 *
 * <p>The secret stays inside this object: {@link #toString()}, {@link #describe()}, {@link
 * #account()} and every exception message are free of it, and failures of the Azure SDK are
 * reduced to their kind (its messages may quote the connection string).
 */
public final class CloudCredentials {
  private static final Pattern CONTAINER = Pattern.compile("[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]");
  private static final Pattern ACCOUNT = Pattern.compile("[a-z0-9]{3,24}");
  private static final Pattern SAS = Pattern.compile("[A-Za-z0-9%=&._~+/:,-]+");

  /** A credential that names a bad field; the message is safe to show (no secret). */
  public static final class InvalidField extends IllegalArgumentException {
    private final String field;

    InvalidField(String field, String message) {
      super(message);
      this.field = field;
    }

    /** The request field at fault, e.g. {@code accountKey}. */
    public String field() {
      return field;
    }
  }

  private final Path directory;
  private final String connectionString;
  private final String container;
  private final String account;
  private final String method;

  private CloudCredentials(Path directory, String connectionString, String container,
      String account, String method) {
    this.directory = directory;
    this.connectionString = connectionString;
    this.container = container;
    this.account = account;
    this.method = method;
  }

  /** A local directory (the embedded default's kind of store). */
  public static CloudCredentials directory(Path dir) {
    if (dir == null || dir.toString().isBlank()) {
      throw new InvalidField("directory", "directory must name a folder");
    }
    return new CloudCredentials(dir.toAbsolutePath().normalize(), null, null, null, "directory");
  }

  /** An Azure storage connection string and container. */
  public static CloudCredentials connectionString(String connectionString, String container) {
    String cs = connectionString == null ? "" : connectionString.trim();
    Map<String, String> parts = parse(cs);
    if (parts.isEmpty() || !parts.containsKey("accountkey")
        && !parts.containsKey("sharedaccesssignature")) {
      throw new InvalidField("connectionString", "connectionString must be an Azure storage "
          + "connection string with AccountKey=... or SharedAccessSignature=...");
    }
    if (parts.containsKey("accountkey") && !parts.containsKey("accountname")) {
      throw new InvalidField("connectionString", "connectionString has AccountKey but no "
          + "AccountName");
    }
    if (parts.containsKey("accountkey")) {
      checkKey(parts.get("accountkey"), "connectionString");
    }
    // A SAS needs to say which account it is for; a key has its AccountName.
    if (!parts.containsKey("accountkey") && !parts.containsKey("blobendpoint")
        && !parts.containsKey("accountname")) {
      throw new InvalidField("connectionString", "a SAS connection string needs BlobEndpoint=...");
    }
    String acct = parts.containsKey("accountname") ? parts.get("accountname")
        : accountOf(parts.get("blobendpoint"));
    return new CloudCredentials(null, cs, checkContainer(container), acct,
        parts.containsKey("accountkey") ? "connection string" : "SAS connection string");
  }

  /**
   * An account name and access key; {@code endpoint} (the blob endpoint URL) may be null for
   * {@code https://ACCOUNT.blob.core.windows.net}.
   */
  public static CloudCredentials accountKey(String accountName, String accountKey,
      String container, String endpoint) {
    String name = checkAccount(accountName, endpoint != null);
    String key = accountKey == null ? "" : accountKey.trim();
    checkKey(key, "accountKey");
    String ep = checkEndpoint(endpoint);
    String cs = ep == null
        ? "DefaultEndpointsProtocol=https;AccountName=" + name + ";AccountKey=" + key
            + ";EndpointSuffix=core.windows.net"
        : "DefaultEndpointsProtocol=" + URI.create(ep).getScheme() + ";AccountName=" + name
            + ";AccountKey=" + key + ";BlobEndpoint=" + ep + ";";
    return new CloudCredentials(null, cs, checkContainer(container), name, "account key");
  }

  /** A SAS token for the account's (or {@code endpoint}'s) blob service. */
  public static CloudCredentials sas(String accountName, String sasToken, String container,
      String endpoint) {
    String ep = checkEndpoint(endpoint);
    if (ep == null) {
      ep = "https://" + checkAccount(accountName, false) + ".blob.core.windows.net";
    }
    String token = sasToken == null ? "" : sasToken.trim().replaceFirst("^\\?", "");
    if (token.isEmpty() || !SAS.matcher(token).matches() || !token.contains("sig=")) {
      throw new InvalidField("sasToken", "sasToken must be a SAS token such as "
          + "sv=...&ss=b&srt=co&sp=rwdlac&se=...&sig=...");
    }
    String acct = accountName != null && !accountName.isBlank() ? accountName.trim()
        : accountOf(ep);
    return new CloudCredentials(null, "BlobEndpoint=" + ep + ";SharedAccessSignature=" + token,
        checkContainer(container), acct, "SAS token");
  }

  private static Map<String, String> parse(String cs) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String part : cs.split(";")) {
      int eq = part.indexOf('=');
      if (part.isBlank()) {
        continue;
      }
      if (eq <= 0) {
        return Map.of();
      }
      m.put(part.substring(0, eq).trim().toLowerCase(Locale.ROOT), part.substring(eq + 1).trim());
    }
    return m;
  }

  private static String checkAccount(String name, boolean customEndpoint) {
    String n = name == null ? "" : name.trim();
    if (n.isEmpty()) {
      throw new InvalidField("accountName", "accountName is required");
    }
    if (!customEndpoint && !ACCOUNT.matcher(n).matches()) {
      throw new InvalidField("accountName", "accountName must be 3-24 lower-case letters and "
          + "digits");
    }
    if (!n.matches("[A-Za-z0-9]{1,64}")) {
      throw new InvalidField("accountName", "accountName must be letters and digits");
    }
    return n;
  }

  private static void checkKey(String key, String field) {
    try {
      if (key.isEmpty() || Base64.getDecoder().decode(key).length < 16) {
        throw new IllegalArgumentException();
      }
    } catch (IllegalArgumentException e) {
      throw new InvalidField(field, (field.equals("accountKey") ? "accountKey" : "the AccountKey "
          + "in connectionString") + " must be the storage account's base64 access key");
    }
  }

  private static String checkEndpoint(String endpoint) {
    if (endpoint == null || endpoint.isBlank()) {
      return null;
    }
    try {
      URI u = URI.create(endpoint.trim());
      if (!("https".equals(u.getScheme()) || "http".equals(u.getScheme()))
          || u.getHost() == null || u.getQuery() != null || u.getUserInfo() != null) {
        throw new IllegalArgumentException();
      }
      return endpoint.trim().replaceFirst("/+$", "");
    } catch (IllegalArgumentException e) {
      throw new InvalidField("endpoint", "endpoint must be the blob service URL, e.g. "
          + "https://ACCOUNT.blob.core.windows.net");
    }
  }

  private static String checkContainer(String container) {
    String c = container == null || container.isBlank() ? "tiergate" : container.trim();
    if (!CONTAINER.matcher(c).matches()) {
      throw new InvalidField("container", "container must be 3-63 of a-z 0-9 -, starting and "
          + "ending with a letter or digit, without '--'");
    }
    return c;
  }

  /** The account of a blob endpoint: its first host label, or (emulators) its first path part. */
  private static String accountOf(String endpoint) {
    if (endpoint == null) {
      return "unknown";
    }
    try {
      URI u = URI.create(endpoint);
      String host = u.getHost() == null ? "" : u.getHost();
      if (host.contains(".blob.")) {
        return host.substring(0, host.indexOf('.'));
      }
      String path = u.getPath() == null ? "" : u.getPath().replaceFirst("^/+", "");
      return path.isEmpty() ? host : path.split("/")[0];
    } catch (IllegalArgumentException e) {
      return "unknown";
    }
  }

  /** True for an Azure Blob container, false for a local directory. */
  public boolean azure() {
    return directory == null;
  }

  /** The container, or null for a directory. */
  public String container() {
    return container;
  }

  /** The storage account name (not a secret), or null for a directory. */
  public String account() {
    return account;
  }

  /** The local directory, or null for Azure. */
  public Path directory() {
    return directory;
  }

  /** The connection string to keep in the owner-only secret file; null for a directory. */
  public String secret() {
    return connectionString;
  }

  /** For people and the audit trail: never the secret. */
  public String describe() {
    return azure() ? "Azure Blob account " + account + ", container " + container + " ("
        + method + ")" : "directory " + directory;
  }

  /**
   * The cloud settings that use these credentials, given the connection string's file: the
   * other settings (tier-after, bandwidth...) stay those of {@code base}.
   */
  public CloudConfig applyTo(CloudConfig base, Path connectionStringFile) {
    CloudConfig c = base.with("cloud", azure() ? "azure" : "file:" + directory);
    if (azure()) {
      c = c.with("azureconnectionstringfile", connectionStringFile.toString())
          .with("container", container);
    }
    return c;
  }

  /**
   * Connects, with the Azure SDK's own retries kept short so that a wrong key or an
   * unreachable endpoint is reported within seconds.
   *
   * @param createContainer whether to create a missing container (only once it is chosen)
   * @param retryBudget how long the returned store keeps retrying one call
   * @throws ObjectStoreException {@code INVALID} for settings the SDK refuses; the message
   *     never carries the secret
   */
  public ObjectStore open(String packTier, boolean createContainer, Duration retryBudget) {
    ObjectStore raw;
    if (!azure()) {
      raw = new LocalDirectoryObjectStore(directory);
    } else {
      try {
        raw = AzureBlobObjectStore.builder().connectionString(connectionString)
            .container(container).packTier(packTier).createContainer(createContainer)
            .timeout(Duration.ofSeconds(20)).sdkRetries(1).build();
      } catch (ObjectStoreException e) {
        throw new ObjectStoreException(e.code(), "cannot use " + describe() + ": "
            + e.getMessage());
      } catch (RuntimeException e) {
        throw new ObjectStoreException(ObjectStoreException.Code.INVALID, "cannot use "
            + describe() + ": " + e.getClass().getSimpleName());
      }
    }
    return new RetryingObjectStore(raw, Duration.ofMillis(200), Duration.ofSeconds(10),
        retryBudget);
  }

  @Override
  public String toString() {
    return "CloudCredentials[" + describe() + "]";
  }
}
