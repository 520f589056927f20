package io.tiergate.gateway.tier;

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

/** Opens the object store a {@link CloudConfig} names, wrapped for back-off. */
final class CloudStores {
  private CloudStores() {}

  /**
   * The configured store, retried with exponential back-off for up to {@code retryBudget}.
   *
   * @throws IllegalStateException with a message that never includes the connection string
   */
  static ObjectStore open(CloudConfig config, Path dataDir, Duration retryBudget) {
    ObjectStore raw;
    if (config.azure()) {
      if (config.connectionStringFile() == null) {
        throw new IllegalStateException(
            "--cloud azure needs --azure-connection-string-file FILE");
      }
      String secret;
      try {
        secret = Files.readString(config.connectionStringFile(), StandardCharsets.UTF_8).trim();
      } catch (IOException e) {
        throw new IllegalStateException("cannot read the Azure connection string file "
            + config.connectionStringFile() + " (" + e.getClass().getSimpleName() + ")");
      }
      try {
        try {
          raw = azure(config, secret, true);
        } catch (ObjectStoreException e) {
          if (!e.code().retryable()) {
            throw e;
          }
          // The cloud is away at start: serve from local disk; the container is created
          // by the first pass that reaches the cloud (see ensureContainer).
          raw = azure(config, secret, false);
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

  private static ObjectStore azure(CloudConfig config, String secret, boolean create) {
    return AzureBlobObjectStore.builder().connectionString(secret).container(config.container())
        .packTier(config.packTier()).createContainer(create).build();
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
    String secret;
    try {
      secret = Files.readString(config.connectionStringFile(), StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the Azure connection string file "
          + config.connectionStringFile() + " (" + e.getClass().getSimpleName() + ")");
    }
    azure(config, secret, true).close();
  }
}
