package io.tiergate.gateway.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database lock seen from this process (a store it opened) and from another one (a
 * child JVM probing while this process holds the store open, and after it closed it).
 */
class DatabaseLockTest {
  @TempDir
  Path dir;

  @Test
  void aStoreOpenHereIsHeldUntilItsLastOwnerClosesIt() {
    Path db = dir.resolve("db");
    assertFalse(DatabaseLock.held(db), "never opened");
    KvStore kv = KvStore.open(db, KvConfig.small());
    assertTrue(DatabaseLock.held(db));
    assertTrue(DatabaseLock.held(dir.resolve("x/../db")), "the same folder by another path");
    // A second open of the same folder fails; it must not make the first look closed.
    assertThrows(KvException.class, () -> KvStore.open(db, KvConfig.small()));
    assertTrue(DatabaseLock.held(db));
    // Probing did not drop RocksDB's own lock: the folder still cannot be opened twice.
    assertThrows(KvException.class, () -> KvStore.open(db, KvConfig.small()));
    kv.close();
    assertFalse(DatabaseLock.held(db));
    KvStore.open(db, KvConfig.small()).close();
  }

  @Test
  void anotherProcessSeesTheLockWhileTheStoreIsOpen() throws Exception {
    Path db = dir.resolve("db");
    try (KvStore kv = KvStore.open(db, KvConfig.small())) {
      assertEquals("true", probeFromAnotherProcess(db));
    }
    assertEquals("false", probeFromAnotherProcess(db));
  }

  /** Runs {@link Probe} in a child JVM. */
  private String probeFromAnotherProcess(Path db) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), Probe.class.getName(), db.toString()));
    Path out = Files.createTempFile(dir, "probe", ".txt");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe hung");
    assertEquals(0, p.exitValue());
    return Files.readString(out).trim();
  }

  /** Prints whether the store in {@code args[0]} is held. */
  public static final class Probe {
    private Probe() {}

    public static void main(String[] args) {
      System.out.println(DatabaseLock.held(Path.of(args[0])));
    }
  }
}
