package io.tiergate.iscsi.device;

import io.netty.buffer.ByteBuf;
import io.tiergate.iscsi.spi.BlockDevice;
import io.tiergate.iscsi.spi.BlockDeviceException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A thin-provisioned block device in memory, for tests, the standalone launcher and the
 * benchmark.
 *
 * <p>Layout: the device is cut into 64 KiB chunks, each a {@code byte[]} allocated on first
 * write; an absent chunk reads as zeros. UNMAP of a whole chunk drops it; a partial unmap
 * zeroes the range and drops the chunk when nothing but zeros is left.
 *
 * <p>Concurrency: reads take no lock (a read racing a write to the same blocks may see either,
 * as on a disk). Writes, unmaps and compare-and-writes lock the stripes of the chunks they
 * touch, which makes compare-and-write atomic against every other write while writes to
 * different chunks proceed in parallel.
 */
public final class MemoryBlockDevice implements BlockDevice {

  static final int CHUNK_BYTES = 64 * 1024;

  private final int blockSize;
  private final long blockCount;
  private final AtomicReferenceArray<byte[]> chunks;
  private final ChunkRangeLocks locks = new ChunkRangeLocks(256);
  private final DeviceIdentity identity;
  private volatile byte[] reservations;

  /** A zero-filled device of {@code sizeBytes} (a multiple of {@code blockSize}). */
  public MemoryBlockDevice(long sizeBytes, int blockSize) {
    if (blockSize != 512 && blockSize != 4096) {
      throw new IllegalArgumentException("block size must be 512 or 4096: " + blockSize);
    }
    if (sizeBytes <= 0 || sizeBytes % blockSize != 0) {
      throw new IllegalArgumentException("size must be a positive multiple of the block size");
    }
    long chunkCount = (sizeBytes + CHUNK_BYTES - 1) / CHUNK_BYTES;
    if (chunkCount > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("device too large: " + sizeBytes);
    }
    this.blockSize = blockSize;
    this.blockCount = sizeBytes / blockSize;
    this.chunks = new AtomicReferenceArray<>((int) chunkCount);
    UUID uuid = UUID.randomUUID();
    this.identity = new DeviceIdentity(
        "MEM" + Long.toHexString(uuid.getMostSignificantBits()), uuid);
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
    long pos = lba * blockSize;
    long end = pos + (long) blocks * blockSize;
    out.ensureWritable((int) (end - pos));
    while (pos < end) {
      int chunk = (int) (pos / CHUNK_BYTES);
      int off = (int) (pos % CHUNK_BYTES);
      int n = (int) Math.min(CHUNK_BYTES - off, end - pos);
      byte[] c = chunks.get(chunk);
      if (c == null) {
        out.writeZero(n);
      } else {
        out.writeBytes(c, off, n);
      }
      pos += n;
    }
  }

  @Override
  public void write(long lba, ByteBuf data, boolean fua) {
    int len = data.readableBytes();
    if (len % blockSize != 0) {
      throw new IllegalArgumentException("write of " + len + " bytes is not whole blocks");
    }
    check(lba, len / blockSize);
    long pos = lba * blockSize;
    long first = pos / CHUNK_BYTES;
    long last = (pos + len - 1) / CHUNK_BYTES;
    locks.lock(first, last);
    try {
      writeLocked(pos, data, data.readerIndex(), len);
    } finally {
      locks.unlock(first, last);
    }
  }

  private void writeLocked(long pos, ByteBuf data, int from, int len) {
    long end = pos + len;
    int src = from;
    while (pos < end) {
      int chunk = (int) (pos / CHUNK_BYTES);
      int off = (int) (pos % CHUNK_BYTES);
      int n = (int) Math.min(CHUNK_BYTES - off, end - pos);
      byte[] c = chunks.get(chunk);
      if (c == null) {
        c = new byte[CHUNK_BYTES];
        chunks.set(chunk, c);
      }
      data.getBytes(src, c, off, n);
      src += n;
      pos += n;
    }
  }

  @Override
  public void flush() {
    // Memory is as durable as it gets.
  }

  @Override
  public void unmap(long lba, long blocks) {
    check(lba, blocks);
    if (blocks == 0) {
      return;
    }
    long pos = lba * blockSize;
    long end = pos + blocks * blockSize;
    long first = pos / CHUNK_BYTES;
    long last = (end - 1) / CHUNK_BYTES;
    locks.lock(first, last);
    try {
      while (pos < end) {
        int chunk = (int) (pos / CHUNK_BYTES);
        int off = (int) (pos % CHUNK_BYTES);
        int n = (int) Math.min(CHUNK_BYTES - off, end - pos);
        byte[] c = chunks.get(chunk);
        if (c != null) {
          if (n == CHUNK_BYTES) {
            chunks.set(chunk, null);
          } else {
            java.util.Arrays.fill(c, off, off + n, (byte) 0);
            if (allZero(c)) {
              chunks.set(chunk, null);
            }
          }
        }
        pos += n;
      }
    } finally {
      locks.unlock(first, last);
    }
  }

  private static boolean allZero(byte[] c) {
    for (byte b : c) {
      if (b != 0) {
        return false;
      }
    }
    return true;
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
      // Bulk copies and Arrays.mismatch: byte-wise ByteBuf access is slow (and very slow
      // under leak detection).
      byte[] expected = new byte[len];
      compare.getBytes(compare.readerIndex(), expected);
      int done = 0;
      while (done < len) {
        long p = pos + done;
        int off = (int) (p % CHUNK_BYTES);
        int n = Math.min(CHUNK_BYTES - off, len - done);
        byte[] c = chunks.get((int) (p / CHUNK_BYTES));
        byte[] have = c == null ? new byte[n] : c;
        int from = c == null ? 0 : off;
        int diff = java.util.Arrays.mismatch(have, from, from + n, expected, done, done + n);
        if (diff >= 0) {
          return done + diff;
        }
        done += n;
      }
      writeLocked(pos, write, write.readerIndex(), len);
      return -1;
    } finally {
      locks.unlock(first, last);
    }
  }

  @Override
  public List<LbaExtent> lbaStatus(long lba, int maxExtents) {
    check(lba, 0);
    List<LbaExtent> out = new ArrayList<>();
    long blocksPerChunk = CHUNK_BYTES / blockSize;
    long cur = lba;
    while (cur < blockCount && out.size() < maxExtents) {
      boolean mapped = chunks.get((int) (cur / blocksPerChunk)) != null;
      long start = cur;
      while (cur < blockCount && (chunks.get((int) (cur / blocksPerChunk)) != null) == mapped) {
        cur = (cur / blocksPerChunk + 1) * blocksPerChunk;
      }
      cur = Math.min(cur, blockCount);
      out.add(new LbaExtent(start, cur - start, mapped));
    }
    return out;
  }

  @Override
  public byte[] loadReservations() {
    byte[] r = reservations;
    return r == null ? null : r.clone();
  }

  @Override
  public void saveReservations(byte[] state) {
    reservations = state.clone();
  }

  @Override
  public void close() {
    for (int i = 0; i < chunks.length(); i++) {
      chunks.set(i, null);
    }
  }
}
