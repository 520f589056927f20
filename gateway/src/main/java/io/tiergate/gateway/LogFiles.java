package io.tiergate.gateway;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The gateway's log on disk: {@code logs/gateway.log} in the data directory, rotated by size to
 * {@code gateway.1.log} ... {@code gateway.N.log}, so a support package has the recent history
 * however long the service has run and however its standard error was redirected. The files
 * are owner-only: logs carry no secret, but they do carry volume names and addresses.
 *
 * <p>{@link #teeStandardError} copies everything written to standard error (the slf4j-simple
 * logger writes there, and so do uncaught exceptions) into the file as well. Rotation happens
 * only at the end of a line, so no line is split across files.
 */
final class LogFiles extends OutputStream {
  static final String NAME = "gateway";
  static final long DEFAULT_MAX_BYTES = 4L << 20;
  static final int DEFAULT_KEEP = 4;

  private final Path dir;
  private final long maxBytes;
  private final int keep;
  private FileChannel channel;
  private long size;
  private boolean atLineStart = true;

  LogFiles(Path dir, long maxBytes, int keep) throws IOException {
    if (maxBytes < 1 || keep < 0) {
      throw new IllegalArgumentException("log size and count must be positive");
    }
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.keep = keep;
    Files.createDirectories(dir);
    open();
  }

  /**
   * Sends standard error to both where it went and the log files under {@code dir}.
   *
   * @return the new standard error
   */
  static PrintStream teeStandardError(Path dir) {
    PrintStream original = System.err;
    LogFiles files;
    try {
      files = new LogFiles(dir, DEFAULT_MAX_BYTES, DEFAULT_KEEP);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the log file in " + dir, e);
    }
    PrintStream tee = new PrintStream(new OutputStream() {
      @Override
      public void write(int b) {
        original.write(b);
        files.writeQuietly(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        original.write(b, off, len);
        files.writeQuietly(b, off, len);
      }

      @Override
      public void flush() {
        original.flush();
      }
    }, true, StandardCharsets.UTF_8);
    System.setErr(tee);
    return tee;
  }

  /** The live log file. */
  Path current() {
    return dir.resolve(NAME + ".log");
  }

  /** The {@code n}th older log file (1 is the most recent). */
  Path older(int n) {
    return dir.resolve(NAME + "." + n + ".log");
  }

  private void open() throws IOException {
    Path p = current();
    try {
      Files.createFile(p, PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rw-------")));
    } catch (FileAlreadyExistsException e) {
      // appended to
    } catch (UnsupportedOperationException e) {
      Files.createFile(p);
    }
    channel = FileChannel.open(p, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    size = channel.size();
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) throws IOException {
    int end = off + len;
    while (off < end) {
      if (atLineStart && size >= maxBytes) {
        rotate();
      }
      // Up to and including the next newline, so that rotation can happen between lines.
      int nl = off;
      while (nl < end && b[nl] != '\n') {
        nl++;
      }
      int stop = nl < end ? nl + 1 : end;
      var buf = java.nio.ByteBuffer.wrap(b, off, stop - off);
      while (buf.hasRemaining()) {
        size += channel.write(buf);
      }
      atLineStart = b[stop - 1] == '\n';
      off = stop;
    }
  }

  /** Writes, giving up silently when the disk refuses: logging must never stop the gateway. */
  void writeQuietly(byte[] b, int off, int len) {
    try {
      write(b, off, len);
    } catch (IOException | RuntimeException e) {
      // Nowhere left to report it: standard error still has the line.
    }
  }

  private void rotate() throws IOException {
    channel.close();
    Files.deleteIfExists(older(keep));
    for (int i = keep - 1; i >= 1; i--) {
      if (Files.exists(older(i))) {
        Files.move(older(i), older(i + 1), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    if (keep > 0) {
      Files.move(current(), older(1), StandardCopyOption.REPLACE_EXISTING);
    } else {
      Files.delete(current());
    }
    open();
  }

  @Override
  public synchronized void close() throws IOException {
    channel.close();
  }
}
