package io.tiergate.tiering;

import io.tiergate.tiering.store.LocalDirectoryObjectStore;
import io.tiergate.tiering.store.ObjectStore;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

class CloudTierTest extends CloudTierContract {

  @TempDir Path dir;
  private ObjectStore store;

  @BeforeEach
  void open() {
    store = new LocalDirectoryObjectStore(dir);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Override
  ObjectStore store() {
    return store;
  }

  @Override
  Path storageFolder() {
    return dir;
  }
}
