package io.tiergate.tiering.store;

import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.rest.Response;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Configuration;
import com.azure.core.util.ConfigurationBuilder;
import com.azure.core.util.Context;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.batch.BlobBatchClient;
import com.azure.storage.blob.batch.BlobBatchClientBuilder;
import com.azure.storage.blob.batch.BlobBatchStorageException;
import com.azure.storage.blob.models.AccessTier;
import com.azure.storage.blob.models.BlobErrorCode;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobRange;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.DeleteSnapshotsOptionType;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import com.azure.storage.blob.specialized.BlockBlobClient;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * An {@link ObjectStore} on Azure Blob storage (or Azurite), through the Azure Storage Blob SDK
 * on the JDK HTTP client.
 *
 * <p>Put-if-absent is a Put Blob with {@code If-None-Match: *}; ranged reads are ranged
 * downloads; deletes go in Blob Batch requests of up to 256. The SDK retries each request with
 * exponential back-off; {@link RetryingObjectStore} adds a slower, longer back-off on top for
 * throttling and outages. Credentials live only inside the SDK client: they never reach a log
 * line, a {@link #toString()} or an exception message.
 */
public final class AzureBlobObjectStore implements ObjectStore {

  private static final int BATCH_LIMIT = 256;
  private static final String PACK_PREFIX = "packs/";

  private final BlobContainerClient container;
  private final BlobBatchClient batch;
  private final AccessTier packTier;
  private final Duration timeout;
  private final String description;

  private AzureBlobObjectStore(Builder b) {
    BlobServiceClientBuilder sb =
        new BlobServiceClientBuilder()
            .httpClient(b.httpClient != null ? b.httpClient : defaultTransport())
            .retryOptions(
                new RequestRetryOptions(
                    RetryPolicyType.EXPONENTIAL,
                    b.sdkRetries + 1, // tries, not retries
                    b.timeout,
                    Duration.ofMillis(200),
                    Duration.ofSeconds(10),
                    null));
    if (b.connectionString != null) {
      sb.connectionString(b.connectionString);
    } else {
      sb.endpoint(Objects.requireNonNull(b.endpoint, "endpoint or connection string"));
      if (b.accountKey != null) {
        sb.credential(new StorageSharedKeyCredential(b.accountName, b.accountKey));
      } else if (b.sasToken != null) {
        sb.sasToken(b.sasToken);
      }
    }
    for (HttpPipelinePolicy p : b.policies) {
      sb.addPolicy(p);
    }
    BlobServiceClient service;
    try {
      service = sb.buildClient();
    } catch (RuntimeException e) {
      // The SDK's message may quote the connection string: keep only its type.
      throw new ObjectStoreException(
          ObjectStoreException.Code.INVALID,
          "invalid Azure storage settings (" + e.getClass().getSimpleName() + ")");
    }
    this.container = service.getBlobContainerClient(b.container);
    this.batch = new BlobBatchClientBuilder(service).buildClient();
    this.packTier = b.packTier == null ? null : AccessTier.fromString(b.packTier);
    this.timeout = b.timeout.multipliedBy(b.sdkRetries + 1L);
    this.description = "AzureBlobObjectStore[" + service.getAccountName() + "/" + b.container + "]";
    if (b.createContainer) {
      call("create container " + b.container, () -> container.createIfNotExists());
    }
  }

  /** The JDK setting that lets a client set headers the JDK's HTTP client restricts. */
  static final String ALLOW_RESTRICTED_HEADERS = "jdk.httpclient.allowRestrictedHeaders";

  /**
   * The SDK's JDK HTTP client, set up to pass {@code Content-Length} on. The SDK puts that header
   * on every request (and sizes the body from it); the JDK's client refuses it unless allowed,
   * so the SDK's adapter dropped it with a WARN for every request: one log line per cold read.
   * Allowed, the JDK sends exactly that one header (it sends its own otherwise, with the same
   * value), and nothing is logged.
   *
   * <p>The JDK reads the setting once, when its HTTP client is first used in the process; the
   * gateway's first use is this, so setting it here takes effect. Should another use have come
   * first without it, the JDK still refuses the header: then the SDK is not told to pass it (it
   * would fail every request) and keeps dropping it with its warning.
   */
  static HttpClient defaultTransport() {
    Configuration config = Configuration.NONE;
    if (jdkAllowsContentLength()) {
      config = new ConfigurationBuilder().putProperty(ALLOW_RESTRICTED_HEADERS, "content-length")
          .build();
    }
    return new JdkHttpClientBuilder().configuration(config).build();
  }

  private static synchronized boolean jdkAllowsContentLength() {
    if (System.getProperty(ALLOW_RESTRICTED_HEADERS) == null) {
      System.setProperty(ALLOW_RESTRICTED_HEADERS, "content-length");
    }
    try {
      java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost/"))
          .header("Content-Length", "0");
      return true;
    } catch (IllegalArgumentException e) {
      return false; // the JDK read its setting before: leave the SDK's filter in place
    }
  }

  /** A builder; give a connection string, or an endpoint with a key or SAS, and a container. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void putIfAbsent(String name, byte[] data) {
    putIfAbsent(name, data, md5(data));
  }

  /**
   * One Put Blob of the whole body, with {@code If-None-Match: *} and the given Content-MD5 (the
   * service refuses a body that does not match, so a half-written upload is never stored as if
   * it were whole). The body is sent from {@code data} as it is: no copy, no second digest.
   */
  @Override
  public void putIfAbsent(String name, byte[] data, byte[] contentMd5) {
    if (contentMd5 == null || contentMd5.length != 16) {
      throw new ObjectStoreException(ObjectStoreException.Code.INVALID, "put " + name
          + " needs the 16-byte MD5 of its body");
    }
    BlockBlobClient blob = container.getBlobClient(ObjectNames.check(name)).getBlockBlobClient();
    BlockBlobSimpleUploadOptions options =
        new BlockBlobSimpleUploadOptions(BinaryData.fromBytes(data))
            .setContentMd5(contentMd5)
            .setRequestConditions(new BlobRequestConditions().setIfNoneMatch("*"));
    if (packTier != null && name.startsWith(PACK_PREFIX)) {
      options.setTier(packTier);
    }
    call("put " + name, () -> blob.uploadWithResponse(options, timeout, Context.NONE));
  }

  private static byte[] md5(byte[] data) {
    try {
      return MessageDigest.getInstance("MD5").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no MD5", e);
    }
  }

  @Override
  public byte[] get(String name) {
    BlobClient blob = container.getBlobClient(ObjectNames.check(name));
    return call("get " + name, () -> blob.downloadContent().toBytes());
  }

  @Override
  public byte[] getRange(String name, long offset, int length) {
    if (offset < 0 || length <= 0) {
      throw new ObjectStoreException(ObjectStoreException.Code.INVALID, "bad range for " + name);
    }
    BlobClient blob = container.getBlobClient(ObjectNames.check(name));
    ByteArrayOutputStream out = new ByteArrayOutputStream(length);
    call(
        "get range of " + name,
        () ->
            blob.downloadStreamWithResponse(
                out, new BlobRange(offset, (long) length), null, null, false, timeout,
                Context.NONE));
    if (out.size() != length) {
      throw new ObjectStoreException(
          ObjectStoreException.Code.INVALID, "range beyond the end of " + name);
    }
    return out.toByteArray();
  }

  @Override
  public void delete(Collection<String> names) {
    List<String> urls = new ArrayList<>(Math.min(names.size(), BATCH_LIMIT));
    for (String name : names) {
      urls.add(container.getBlobClient(ObjectNames.check(name)).getBlobUrl());
      if (urls.size() == BATCH_LIMIT) {
        deleteBatch(urls);
        urls.clear();
      }
    }
    if (!urls.isEmpty()) {
      deleteBatch(urls);
    }
  }

  private void deleteBatch(List<String> urls) {
    call(
        "delete " + urls.size() + " objects",
        () -> {
          try {
            for (Response<Void> r :
                batch.deleteBlobs(urls, DeleteSnapshotsOptionType.INCLUDE, timeout, Context.NONE)) {
              r.getStatusCode();
            }
          } catch (BlobBatchStorageException e) {
            for (BlobStorageException item : e.getBatchExceptions()) {
              if (item.getStatusCode() != 404) {
                throw item;
              }
            }
          }
          return null;
        });
  }

  @Override
  public List<ObjectInfo> list(String prefix) {
    ObjectNames.checkPrefix(prefix);
    return call(
        "list " + prefix,
        () -> {
          List<ObjectInfo> out = new ArrayList<>();
          ListBlobsOptions options = new ListBlobsOptions().setPrefix(prefix.isEmpty() ? null : prefix);
          for (BlobItem item : container.listBlobs(options, timeout)) {
            out.add(new ObjectInfo(item.getName(), item.getProperties().getContentLength()));
          }
          return out;
        });
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return description;
  }

  /** Runs one SDK call and maps its failures to {@link ObjectStoreException} codes. */
  private static <T> T call(String what, java.util.function.Supplier<T> op) {
    try {
      return op.get();
    } catch (BlobStorageException e) {
      throw new ObjectStoreException(codeOf(e), what + ": HTTP " + e.getStatusCode()
          + (e.getErrorCode() == null ? "" : " " + e.getErrorCode()), e);
    } catch (ObjectStoreException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new ObjectStoreException(
          ObjectStoreException.Code.UNAVAILABLE, what + ": " + e.getClass().getSimpleName(), e);
    }
  }

  static ObjectStoreException.Code codeOf(BlobStorageException e) {
    BlobErrorCode error = e.getErrorCode();
    int status = e.getStatusCode();
    if (status == 404) {
      return ObjectStoreException.Code.NOT_FOUND;
    }
    if (BlobErrorCode.MD5MISMATCH.equals(error)) {
      return ObjectStoreException.Code.UNAVAILABLE; // damaged in transit: sending again helps
    }
    if (status == 409 && BlobErrorCode.BLOB_ALREADY_EXISTS.equals(error) || status == 412) {
      return ObjectStoreException.Code.ALREADY_EXISTS;
    }
    if (status == 401 || status == 403) {
      return ObjectStoreException.Code.AUTH_FAILED;
    }
    if (status == 429 || status == 503) {
      return ObjectStoreException.Code.THROTTLED;
    }
    if (status == 416 || status == 400) {
      return ObjectStoreException.Code.INVALID;
    }
    if (status >= 500 || status == 408) {
      return ObjectStoreException.Code.UNAVAILABLE;
    }
    return status == 409 ? ObjectStoreException.Code.ALREADY_EXISTS : ObjectStoreException.Code.INVALID;
  }

  /** Settings for an {@link AzureBlobObjectStore}. */
  public static final class Builder {
    private String connectionString;
    private String endpoint;
    private String accountName;
    private String accountKey;
    private String sasToken;
    private String container = "tiergate";
    private String packTier;
    private boolean createContainer = true;
    private Duration timeout = Duration.ofSeconds(60);
    private int sdkRetries = 3;
    private HttpClient httpClient;
    private final List<HttpPipelinePolicy> policies = new ArrayList<>();

    private Builder() {}

    /** A storage connection string (secret: kept only inside the SDK client). */
    public Builder connectionString(String connectionString) {
      this.connectionString = connectionString;
      return this;
    }

    /** The blob endpoint, e.g. {@code https://ACCOUNT.blob.core.windows.net}. */
    public Builder endpoint(String endpoint) {
      this.endpoint = endpoint;
      return this;
    }

    /** Shared-key credentials for {@link #endpoint}. */
    public Builder accountKey(String accountName, String accountKey) {
      this.accountName = accountName;
      this.accountKey = accountKey;
      return this;
    }

    /** A SAS token for {@link #endpoint}. */
    public Builder sasToken(String sasToken) {
      this.sasToken = sasToken;
      return this;
    }

    /** The container (created when missing unless {@link #createContainer} is off). */
    public Builder container(String container) {
      this.container = container;
      return this;
    }

    /** Whether to create the container when it is missing (default on). */
    public Builder createContainer(boolean createContainer) {
      this.createContainer = createContainer;
      return this;
    }

    /** The access tier for pack objects: {@code Hot}, {@code Cool} or {@code Cold}; null = account default. */
    public Builder packTier(String tier) {
      if (tier != null && !List.of("hot", "cool", "cold").contains(tier.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("pack tier must be Hot, Cool or Cold");
      }
      this.packTier = tier;
      return this;
    }

    /** Timeout of one try of one request (default 60 s). */
    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    /** How many times the SDK retries one request (default 3). */
    public Builder sdkRetries(int retries) {
      this.sdkRetries = retries;
      return this;
    }

    /** An HTTP client other than the default JDK one. */
    public Builder httpClient(HttpClient httpClient) {
      this.httpClient = httpClient;
      return this;
    }

    /** An extra pipeline policy, e.g. for fault injection in tests. */
    public Builder addPolicy(HttpPipelinePolicy policy) {
      policies.add(policy);
      return this;
    }

    /** Connects (creating the container when asked to). */
    public AzureBlobObjectStore build() {
      return new AzureBlobObjectStore(this);
    }

    @Override
    public String toString() {
      return "AzureBlobObjectStore.Builder[container=" + container + "]";
    }
  }
}
