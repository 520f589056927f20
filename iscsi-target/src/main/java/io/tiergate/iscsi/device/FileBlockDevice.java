package io.tiergate.iscsi.device;

import io.netty.buffer.ByteBuf;
import io.tiergate.iscsi.spi.BlockDevice;
import io.tiergate.iscsi.spi.BlockDeviceException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A block device in a sparse file, for tests and the standalone launcher.
 *
 * <p>Data: positional reads and writes on one {@link FileChannel} (safe for concurrent use).
 * The file is created sparse at its full size. UNMAP writes zeros (Java cannot punch holes), so
 * unmapped blocks read as zeros; GET LBA STATUS reports all-zero 64 KiB runs as deallocated,
 * which agrees with LBPRZ.
 *
 * <p>Concurrency: writes, unmaps and compare-and-writes lock the stripes of the 64 KiB chunks
 * they touch, making compare-and-write atomic against every other write; reads take no lock.
 *
 * <p>Reservations are saved beside the data file ({@code <file>.pr}), replaced atomically and
 * forced to disk. Identity is derived from the file's real path, so it is the same on every
 * start.
 */
public final class FileBlockDevice implements BlockDevice {

  private static final int CHUNK_BYTES = 64 * 1024;
  private static final int ZERO_BYTES = 1 << 20;
  private static final int STATUS_SCAN_CHUNKS = 256;

  private final Path file;
  private final Path reservationFile;
  private final FileChannel channel;
  private final int blockSize;
  private final long blockCount;
  private final DeviceIdentity identity;
  private final ChunkRangeLocks locks = new ChunkRangeLocks(256);

  /**
   * Opens {@code file}, creating it (sparse) when missing and growing it to {@code sizeBytes}
   * when shorter.
   */
  public FileBlockDevice(Path file, long sizeBytes, int blockSize) throws IOException {
    if (blockSize != 512 && blockSize != 4096) {
      throw new IllegalArgumentException("block size must be 512 or 4096: " + blockSize);
    }
    if (sizeBytes <= 0 || sizeBytes % blockSize != 0) {
      throw new IllegalArgumentException("size must be a positive multiple of the block size");
    }
    this.file = file;
    this.reservationFile = file.resolveSibling(file.getFileName() + ".pr");
    this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE, StandardOpenOption.SPARSE);
    try {
      long current = channel.size();
      if (current > sizeBytes) {
        throw new IllegalArgumentException(
            "file " + file + " is larger (" + current + ") than the requested size");
      }
      if (current < sizeBytes) {
        channel.write(ByteBuffer.wrap(new byte[1]), sizeBytes - 1);
      }
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    this.blockSize = blockSize;
    this.blockCount = sizeBytes / blockSize;
    String real = file.toAbsolutePath().normalize().toString();
    UUID uuid = UUID.nameUUIDFromBytes(real.getBytes(StandardCharsets.UTF_8));
    this.identity = new DeviceIdentity(
        "FILE" + Long.toHexString(uuid.getMostSignificantBits()), uuid);
  }

  /** Opens an existing file at its current size. */
  public static FileBlockDevice open(Path file, int blockSize) throws IOException {
    return new FileBlockDevice(file, Files.size(file), blockSize);
  }

  /** The data file. */
  public Path file() {
    return file;
  }

  @Override
  public int blockSize() {
    return blockSize;
  }

  @Override
  public long blockCount() {
    return blockCount;
  }

  @Override
  public boolean thinProvisioned() {
    return true;
  }

  @Override
  public DeviceIdentity identity() {
    return identity;
  }

  private void check(long lba, long blocks) {
    if (lba < 0 || blocks < 0 || lba > blockCount || blocks > blockCount - lba) {
      throw new BlockDeviceException(BlockDeviceException.Kind.LBA_OUT_OF_RANGE,
          "range " + lba + "+" + blocks + " outside " + blockCount + " blocks");
    }
  }

  @Override
  public void read(long lba, int blocks, ByteBuf out) {
    check(lba, blocks);
    int len = blocks * blockSize;
    long pos = lba * blockSize;
    out.ensureWritable(len);
    try {
      int done = 0;
      while (done < len) {
        int n = out.setBytes(out.writerIndex() + done, channel, pos + done, len - done);
        if (n < 0) {
          // Past the end of a file shorter than the device: zeros.
          out.setZero(out.writerIndex() + done, len - done);
          break;
        }
        done += n;
      }
      out.writerIndex(out.writerIndex() + len);
    } catch (IOException e) {
      throw new BlockDeviceException(BlockDeviceException.Kind.UNRECOVERED_READ_ERROR,
          "read failed at lba " + lba, e);
    }
  }

  @Override
  public void write(long lba, ByteBuf data, boolean fua) {
    int len = data.readableBytes();
    if (len % blockSize != 0) {
      throw new IllegalArgumentException("write of " + len + " bytes is not whole blocks");
    }
    check(lba, len / blockSize);
    if (len == 0) {
      return;
    }
    long pos = lba * blockSize;
    long first = pos / CHUNK_BYTES;
    long last = (pos + len - 1) / CHUNK_BYTES;
    locks.lock(first, last);
    try {
      writeLocked(pos, data, data.readerIndex(), len);
    } finally {
      locks.unlock(first, last);
    }
    if (fua) {
      flush();
    }
  }

  private void writeLocked(long pos, ByteBuf data, int from, int len) {
    try {
      int done = 0;
      while (done < len) {
        done += data.getBytes(from + done, channel, pos + done, len - done);
      }
    } catch (IOException e) {
      throw new BlockDeviceException(BlockDeviceException.Kind.WRITE_ERROR,
          "write failed at byte " + pos, e);
    }
  }

  @Override
  public void flush() {
    try {
      channel.force(false);
    } catch (IOException e) {
      throw new BlockDeviceException(BlockDeviceException.Kind.WRITE_ERROR, "flush failed", e);
    }
  }

  @Override
  public void unmap(long lba, long blocks) {
    check(lba, blocks);
    if (blocks == 0) {
      return;
    }
    long pos = lba * blockSize;
    long end = pos + blocks * blockSize;
    ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(ZERO_BYTES, end - pos));
    long first = pos / CHUNK_BYTES;
    long last = (end - 1) / CHUNK_BYTES;
    locks.lock(first, last);
    try {
      while (pos < end) {
        zeros.clear().limit((int) Math.min(zeros.capacity(), end - pos));
        pos += channel.write(zeros, pos);
      }
    } catch (IOException e) {
      throw new BlockDeviceException(BlockDeviceException.Kind.WRITE_ERROR, "unmap failed", e);
    } finally {
      locks.unlock(first, last);
    }
  }

  @Override
  public long compareAndWrite(long lba, ByteBuf compare, ByteBuf write, boolean fua) {
    int len = compare.readableBytes();
    if (len != write.readableBytes() || len % blockSize != 0) {
      throw new IllegalArgumentException("compare and write buffers differ in size");
    }
    check(lba, len / blockSize);
    long pos = lba * blockSize;
    long first = pos / CHUNK_BYTES;
    long last = (pos + len - 1) / CHUNK_BYTES;
    locks.lock(first, last);
    try {
      ByteBuffer have = ByteBuffer.allocate(len);
      while (have.hasRemaining()) {
        if (channel.read(have, pos + have.position()) < 0) {
          break;
        }
      }
      byte[] expected = new byte[len];
      compare.getBytes(compare.readerIndex(), expected);
      int diff = java.util.Arrays.mismatch(have.array(), expected);
      if (diff >= 0) {
        return diff;
      }
      writeLocked(pos, write, write.readerIndex(), len);
    } catch (IOException e) {
      throw new BlockDeviceException(BlockDeviceException.Kind.UNRECOVERED_READ_ERROR,
          "compare failed at lba " + lba, e);
    } finally {
      locks.unlock(first, last);
    }
    if (fua) {
      flush();
    }
    return -1;
  }

  @Override
  public List<LbaExtent> lbaStatus(long lba, int maxExtents) {
    check(lba, 0);
    List<LbaExtent> out = new ArrayList<>();
    long blocksPerChunk = CHUNK_BYTES / blockSize;
    ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES);
    long cur = lba;
    int scanned = 0;
    try {
      while (cur < blockCount && out.size() < maxExtents && scanned < STATUS_SCAN_CHUNKS) {
        long next = Math.min(blockCount, (cur / blocksPerChunk + 1) * blocksPerChunk);
        boolean mapped = !zero(buf, cur, next);
        scanned++;
        LbaExtent prev = out.isEmpty() ? null : out.get(out.size() - 1);
        if (prev != null && prev.mapped() == mapped) {
          out.set(out.size() - 1, new LbaExtent(prev.lba(), next - prev.lba(), mapped));
        } else {
          out.add(new LbaExtent(cur, next - cur, mapped));
        }
        cur = next;
      }
    } catch (IOException e) {
      throw new BlockDeviceException(BlockDeviceException.Kind.UNRECOVERED_READ_ERROR,
          "status scan failed at lba " + cur, e);
    }
    return out;
  }

  private boolean zero(ByteBuffer buf, long fromLba, long toLba) throws IOException {
    buf.clear().limit((int) ((toLba - fromLba) * blockSize));
    long pos = fromLba * blockSize;
    while (buf.hasRemaining()) {
      if (channel.read(buf, pos + buf.position()) < 0) {
        break;
      }
    }
    for (int i = 0; i < buf.position(); i++) {
      if (buf.get(i) != 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public byte[] loadReservations() {
    try {
      return Files.exists(reservationFile) ? Files.readAllBytes(reservationFile) : null;
    } catch (IOException e) {
      throw new BlockDeviceException(BlockDeviceException.Kind.NOT_READY,
          "cannot read reservation state", e);
    }
  }

  @Override
  public void saveReservations(byte[] state) {
    Path tmp = reservationFile.resolveSibling(reservationFile.getFileName() + ".tmp");
    try {
      try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.CREATE,
          StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer b = ByteBuffer.wrap(state);
        while (b.hasRemaining()) {
          c.write(b);
        }
        c.force(true);
      }
      Files.move(tmp, reservationFile, StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new BlockDeviceException(BlockDeviceException.Kind.WRITE_ERROR,
          "cannot save reservation state", e);
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw new BlockDeviceException(BlockDeviceException.Kind.WRITE_ERROR, "close failed", e);
    }
  }
}
