package io.tiergate.gateway.tier;

import io.tiergate.tiering.store.AzureBlobObjectStore;
import io.tiergate.tiering.store.LocalDirectoryObjectStore;
import io.tiergate.tiering.store.ObjectStore;
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
        raw = AzureBlobObjectStore.builder().connectionString(secret)
            .container(config.container()).packTier(config.packTier()).build();
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
}
