package io.tiergate.tiering.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalDirectoryObjectStoreTest extends ObjectStoreContract {

  @TempDir Path dir;
  private LocalDirectoryObjectStore store;

  @BeforeEach
  void open() {
    store = new LocalDirectoryObjectStore(dir.resolve("cloud"));
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Override
  ObjectStore store() {
    return store;
  }

  @Test
  void strayTemporaryFilesFromACrashAreRemovedAndNeverListed() throws Exception {
    Path stray = dir.resolve("cloud/.incoming/half-written");
    Files.write(stray, new byte[] {1, 2, 3});
    assertEquals(0, store.list("").size());
    new LocalDirectoryObjectStore(dir.resolve("cloud")).close();
    assertFalse(Files.exists(stray));
  }
}
