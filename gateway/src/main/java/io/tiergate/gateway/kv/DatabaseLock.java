package io.tiergate.gateway.kv;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Whether a key-value store is open, by this process or another: RocksDB holds a POSIX lock
 * on the database's {@code LOCK} file while it is open, so a command can tell that a gateway
 * runs (or is starting) on a data directory before it tries anything else, such as a
 * passphrase.
 *
 * <p>POSIX locks belong to a process, so a probe cannot see this process's own lock, and
 * releasing the probe would drop it: stores opened here are therefore remembered and never
 * probed. The probe takes and at once releases the lock; a store being opened at that very
 * moment by another process would fail to lock, a window of a few microseconds that only a
 * command run at the same instant as a start can hit.
 */
public final class DatabaseLock {
  /** RocksDB's lock file in the database folder. */
  static final String LOCK_FILE = "LOCK";
  /** Stores of this process, counted: a second open of one folder fails and is closed. */
  private static final Map<Path, Integer> OPEN_HERE = new ConcurrentHashMap<>();

  private DatabaseLock() {}

  /** Whether the store in {@code dir} is open now, in this process or another. */
  public static boolean held(Path dir) {
    Path d = key(dir);
    if (OPEN_HERE.containsKey(d)) {
      return true;
    }
    Path lock = d.resolve(LOCK_FILE);
    try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE)) {
      FileLock l = ch.tryLock();
      if (l == null) {
        return true;
      }
      l.release();
      return false;
    } catch (NoSuchFileException e) {
      return false; // never opened
    } catch (OverlappingFileLockException e) {
      return true; // another probe of this process holds it this instant
    } catch (IOException e) {
      // Unreadable (another user's): cannot tell; opening it will say what is wrong.
      return false;
    }
  }

  /** Notes that this process opens the store in {@code dir}. */
  static void opening(Path dir) {
    OPEN_HERE.merge(key(dir), 1, Integer::sum);
  }

  /** Notes that this process closed the store in {@code dir} (or failed to open it). */
  static void closed(Path dir) {
    OPEN_HERE.computeIfPresent(key(dir), (k, n) -> n > 1 ? n - 1 : null);
  }

  private static Path key(Path dir) {
    return dir.toAbsolutePath().normalize();
  }
}
