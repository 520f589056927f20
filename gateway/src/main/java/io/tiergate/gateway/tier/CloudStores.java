package io.tiergate.gateway.tier;

import com.azure.core.http.policy.HttpPipelinePolicy;
import io.tiergate.tiering.store.AzureBlobObjectStore;
import io.tiergate.tiering.store.LocalDirectoryObjectStore;
import io.tiergate.tiering.store.ObjectStore;
import io.tiergate.tiering.store.ObjectStoreException;
import io.tiergate.tiering.store.RetryingObjectStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Opens the object store a {@link CloudConfig} names, wrapped for back-off. */
final class CloudStores {
  private CloudStores() {}

  /**
   * The configured store, retried with exponential back-off for up to {@code retryBudget}.
   *
   * @throws IllegalStateException with a message that never includes the connection string
   */
  static ObjectStore open(CloudConfig config, Path dataDir, Duration retryBudget) {
    return open(config, dataDir, retryBudget, List.of());
  }

  /**
   * {@link #open(CloudConfig, Path, Duration)} with extra pipeline policies in the Azure client
   * (tests: fault injection, request counting); ignored for a directory.
   */
  static ObjectStore open(CloudConfig config, Path dataDir, Duration retryBudget,
      List<HttpPipelinePolicy> azurePolicies) {
    ObjectStore raw;
    if (config.azure()) {
      if (config.connectionStringFile() == null) {
        throw new IllegalStateException(
            "--cloud azure needs --azure-connection-string-file FILE");
      }
      String secret = readSecret(config);
      try {
        try {
          raw = azure(config, secret, true, azurePolicies);
        } catch (ObjectStoreException e) {
          if (!e.code().retryable()) {
            throw e;
          }
          // The cloud is away at start: serve from local disk; the container is created
          // by the first pass that reaches the cloud (see ensureContainer).
          raw = azure(config, secret, false, azurePolicies);
        }
      } catch (RuntimeException e) {
        // The SDK's messages may quote the connection string: keep only the kind of failure.
        throw new IllegalStateException("cannot use the Azure storage account in "
            + config.connectionStringFile() + " (container " + config.container() + "): "
            + e.getClass().getSimpleName());
      }
    } else {
      raw = new LocalDirectoryObjectStore(config.directory(dataDir));
    }
    return new RetryingObjectStore(raw, Duration.ofMillis(200), Duration.ofSeconds(10),
        retryBudget);
  }

  private static ObjectStore azure(CloudConfig config, String secret, boolean create,
      List<HttpPipelinePolicy> policies) {
    AzureBlobObjectStore.Builder b = AzureBlobObjectStore.builder().connectionString(secret)
        .container(config.container()).packTier(config.packTier()).createContainer(create);
    for (HttpPipelinePolicy p : policies) {
      b.addPolicy(p);
    }
    return b.build();
  }

  /**
   * Creates the configured Azure container when missing (a no-op for a directory).
   *
   * @throws ObjectStoreException when the cloud cannot be reached
   */
  static void ensureContainer(CloudConfig config) {
    if (!config.azure()) {
      return;
    }
    azure(config, readSecret(config), true, List.of()).close();
  }

  /** The connection string in the configured file; a failure names the file, not its text. */
  private static String readSecret(CloudConfig config) {
    try {
      return Files.readString(config.connectionStringFile(), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the Azure connection string file "
          + config.connectionStringFile() + " (" + e.getClass().getSimpleName() + ")");
    }
  }
}
