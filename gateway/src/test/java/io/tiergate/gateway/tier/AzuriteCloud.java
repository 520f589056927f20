package io.tiergate.gateway.tier;

import io.tiergate.tiering.store.AzureBlobObjectStore;
import io.tiergate.tiering.store.ObjectStore;
import io.tiergate.tiering.testing.Azurite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Azurite for each test, with the gateway's cloud configuration for one container on it (its
 * connection string in a file, as an administrator gives it). Register it as a field:
 * {@code @RegisterExtension final AzuriteCloud cloud = new AzuriteCloud(() -> dir, "name");}
 * where {@code dir} is the test's {@code @TempDir}, filled in before each test starts Azurite
 * in {@code dir/azurite} and writes {@code dir/azure.txt}.
 */
final class AzuriteCloud implements BeforeEachCallback, AfterEachCallback {
  private final Supplier<Path> dir;
  private final String container;
  private Azurite azurite;
  private CloudConfig config;

  AzuriteCloud(Supplier<Path> dir, String container) {
    this.dir = dir;
    this.container = container;
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    Path d = dir.get();
    azurite = new Azurite(d.resolve("azurite")).start();
    Path cs = d.resolve("azure.txt");
    Files.writeString(cs, azurite.connectionString());
    config = CloudConfig.defaults().with("cloud", "azure")
        .with("azureconnectionstringfile", cs.toString()).with("container", container);
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (azurite != null) {
      azurite.close();
      azurite = null;
    }
  }

  /** The emulator, to stop and start again (an outage) or to look at what it stored. */
  Azurite azurite() {
    return azurite;
  }

  /** The gateway's configuration for the container on Azurite. */
  CloudConfig config() {
    return config;
  }

  /**
   * The container straight through the SDK, past the gateway and any faults injected into it:
   * what is really stored. It does not create the container.
   */
  ObjectStore rawStore() {
    return AzureBlobObjectStore.builder().connectionString(azurite.connectionString())
        .container(container).createContainer(false).build();
  }
}
