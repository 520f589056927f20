package io.tiergate.tiering.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * An {@link ObjectStore} in a local directory: the embedded default, and an offline target.
 *
 * <p>Publishing is atomic and never replaces: an object is written to a temporary file in
 * {@code .incoming/}, fsynced, then hard-linked to its name ({@code link(2)} fails when the
 * name exists, which is exactly put-if-absent), and the directory is fsynced. A crash leaves
 * either no object or the whole object, plus perhaps a stray temporary file, which
 * {@link #LocalDirectoryObjectStore(Path) opening} the store removes.
 */
public final class LocalDirectoryObjectStore implements ObjectStore {

  private static final String INCOMING = ".incoming";

  private final Path root;
  private final Path incoming;

  /** Opens (creating when missing) a store rooted at {@code root}. */
  public LocalDirectoryObjectStore(Path root) {
    try {
      this.root = Files.createDirectories(root).toRealPath();
      this.incoming = Files.createDirectories(this.root.resolve(INCOMING));
      try (Stream<Path> stale = Files.list(incoming)) {
        for (Path p : (Iterable<Path>) stale::iterator) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      throw new ObjectStoreException(
          ObjectStoreException.Code.UNAVAILABLE, "cannot open object directory " + root, e);
    }
  }

  @Override
  public void putIfAbsent(String name, byte[] data) {
    Path target = resolve(name);
    if (Files.exists(target)) {
      throw new ObjectStoreException(ObjectStoreException.Code.ALREADY_EXISTS, "exists: " + name);
    }
    Path tmp = incoming.resolve(UUID.randomUUID().toString());
    try {
      try (FileChannel ch =
          FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(data);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      Files.createDirectories(target.getParent());
      try {
        Files.createLink(target, tmp);
      } catch (FileAlreadyExistsException e) {
        throw new ObjectStoreException(ObjectStoreException.Code.ALREADY_EXISTS, "exists: " + name);
      }
      syncDirectory(target.getParent());
    } catch (IOException e) {
      throw new ObjectStoreException(
          ObjectStoreException.Code.UNAVAILABLE, "cannot store " + name, e);
    } finally {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException e) {
        // Only a stray temporary file is left; opening the store removes it.
      }
    }
  }

  @Override
  public byte[] get(String name) {
    try {
      return Files.readAllBytes(resolve(name));
    } catch (NoSuchFileException e) {
      throw notFound(name);
    } catch (IOException e) {
      throw new ObjectStoreException(ObjectStoreException.Code.UNAVAILABLE, "cannot read " + name, e);
    }
  }

  @Override
  public byte[] getRange(String name, long offset, int length) {
    if (offset < 0 || length < 0) {
      throw new ObjectStoreException(ObjectStoreException.Code.INVALID, "negative range for " + name);
    }
    try (FileChannel ch = FileChannel.open(resolve(name), StandardOpenOption.READ)) {
      if (offset + length > ch.size()) {
        throw new ObjectStoreException(
            ObjectStoreException.Code.INVALID, "range beyond the end of " + name);
      }
      ByteBuffer buf = ByteBuffer.allocate(length);
      while (buf.hasRemaining()) {
        if (ch.read(buf, offset + buf.position()) < 0) {
          throw new ObjectStoreException(
              ObjectStoreException.Code.INVALID, "range beyond the end of " + name);
        }
      }
      return buf.array();
    } catch (NoSuchFileException e) {
      throw notFound(name);
    } catch (IOException e) {
      throw new ObjectStoreException(ObjectStoreException.Code.UNAVAILABLE, "cannot read " + name, e);
    }
  }

  @Override
  public void delete(Collection<String> names) {
    for (String name : names) {
      try {
        Files.deleteIfExists(resolve(name));
      } catch (IOException e) {
        throw new ObjectStoreException(
            ObjectStoreException.Code.UNAVAILABLE, "cannot delete " + name, e);
      }
    }
  }

  @Override
  public List<ObjectInfo> list(String prefix) {
    ObjectNames.checkPrefix(prefix);
    List<ObjectInfo> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String name = root.relativize(p).toString();
        if (name.startsWith(INCOMING) || !name.startsWith(prefix) || !Files.isRegularFile(p)) {
          continue;
        }
        try {
          out.add(new ObjectInfo(name, Files.size(p)));
        } catch (NoSuchFileException e) {
          // Deleted while listing: not there any more.
        }
      }
    } catch (IOException | UncheckedIOException e) {
      throw new ObjectStoreException(ObjectStoreException.Code.UNAVAILABLE, "cannot list " + prefix, e);
    }
    out.sort((a, b) -> a.name().compareTo(b.name()));
    return out;
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return "LocalDirectoryObjectStore[" + root + "]";
  }

  private Path resolve(String name) {
    return root.resolve(ObjectNames.check(name));
  }

  private static ObjectStoreException notFound(String name) {
    return new ObjectStoreException(ObjectStoreException.Code.NOT_FOUND, "no object " + name);
  }

  private static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
