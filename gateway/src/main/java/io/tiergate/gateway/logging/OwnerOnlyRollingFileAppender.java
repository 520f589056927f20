package io.tiergate.gateway.logging;

import ch.qos.logback.core.rolling.RollingFileAppender;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Logback's rolling file appender, with every file it opens made owner-only (mode 0600) and
 * its folder, when it creates one, 0700. Logback itself creates files with the process umask;
 * the gateway's logs carry no secret, but they do carry volume names, initiator names and
 * addresses, which are no one else's business on a shared host.
 *
 * <p>Logback calls {@link #openFile} when the appender starts and again after every rollover,
 * so the live file is created here, before Logback opens it, and an older file left with
 * other permissions is tightened. The rolled-over files are renames of the live one and keep
 * its mode.
 *
 * @param <E> the event type
 */
public class OwnerOnlyRollingFileAppender<E> extends RollingFileAppender<E> {
  @Override
  public void openFile(String fileName) throws IOException {
    ownerOnly(Path.of(fileName));
    super.openFile(fileName);
  }

  /** Creates {@code file} (and a missing parent folder) owner-only, or makes it so. */
  static void ownerOnly(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rwx------")));
    }
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rw-------")));
    } catch (FileAlreadyExistsException e) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }
  }
}
