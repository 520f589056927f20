package io.tiergate.iscsi.spi;

import io.netty.buffer.ByteBuf;
import java.util.List;
import java.util.UUID;

/**
 * A logical unit's storage, as the iSCSI target sees it: fixed-size blocks addressed by LBA.
 *
 * <p>Threading: the target never calls these methods on a Netty event loop; it runs each SCSI
 * command on its own I/O executor, so an implementation may block on disk. Calls for different
 * commands arrive concurrently; an implementation serialises what must be (e.g. two writes to
 * the same chunk) itself. {@link #compareAndWrite} must be atomic with respect to every other
 * write.
 *
 * <p>Buffers: {@code data} arguments are owned by the caller and only read during the call;
 * {@link #read} appends to a buffer the caller owns.
 *
 * <p>Errors: throw {@link BlockDeviceException} with the {@link BlockDeviceException.Kind} that
 * says what went wrong; the target maps kinds to SCSI sense in one place.
 */
public interface BlockDevice extends AutoCloseable {

  /** Logical block size in bytes: 512 or 4096. */
  int blockSize();

  /** Capacity in blocks. May grow while the device is in use. */
  long blockCount();

  /** True when unwritten and unmapped blocks take no space and read as zeros (LBPME). */
  boolean thinProvisioned();

  /** Stable identity: the same across restarts, different for every device. */
  DeviceIdentity identity();

  /** Appends {@code blocks * blockSize()} bytes read from {@code lba} to {@code out}. */
  void read(long lba, int blocks, ByteBuf out);

  /**
   * Writes all readable bytes of {@code data} (a whole number of blocks) at {@code lba}.
   * With {@code fua} the data is durable when this returns.
   */
  void write(long lba, ByteBuf data, boolean fua);

  /** Makes every write that has returned durable (SYNCHRONIZE CACHE). */
  void flush();

  /** Deallocates {@code blocks} blocks from {@code lba}: they read as zeros afterwards. */
  void unmap(long lba, long blocks);

  /**
   * Writes the single block {@code block} to each of {@code blocks} blocks from {@code lba};
   * with {@code unmap} and an all-zero block the range may be deallocated instead. The default
   * writes block by block; a device that can do better overrides it.
   */
  default void writeSame(long lba, long blocks, ByteBuf block, boolean unmap, boolean fua) {
    if (unmap && isAllZero(block)) {
      unmap(lba, blocks);
      if (fua) {
        flush();
      }
      return;
    }
    for (long i = 0; i < blocks; i++) {
      write(lba + i, block.duplicate(), false);
    }
    if (fua) {
      flush();
    }
  }

  /**
   * Atomically compares {@code compare.readableBytes()} bytes at {@code lba} with
   * {@code compare} and, when all are equal, writes {@code write} there.
   *
   * @return -1 when the data matched and was written, otherwise the offset in bytes of the
   *     first byte that differs (nothing was written)
   */
  long compareAndWrite(long lba, ByteBuf compare, ByteBuf write, boolean fua);

  /**
   * Provisioning status from {@code lba} on, as at most {@code maxExtents} consecutive extents
   * (GET LBA STATUS). The first extent starts at {@code lba}.
   */
  List<LbaExtent> lbaStatus(long lba, int maxExtents);

  /** The persistent-reservation state last saved, or {@code null} when none was. */
  byte[] loadReservations();

  /** Saves the persistent-reservation state (opaque to the device) durably. */
  void saveReservations(byte[] state);

  @Override
  void close();

  /** True when every readable byte of {@code buf} is zero. */
  static boolean isAllZero(ByteBuf buf) {
    int i = buf.readerIndex();
    int end = buf.writerIndex();
    for (; i + 8 <= end; i += 8) {
      if (buf.getLong(i) != 0) {
        return false;
      }
    }
    for (; i < end; i++) {
      if (buf.getByte(i) != 0) {
        return false;
      }
    }
    return true;
  }

  /** Identity for VPD pages 0x80 (unit serial number) and 0x83 (device identification). */
  record DeviceIdentity(String serialNumber, UUID uuid) {}

  /** A run of blocks that are all mapped or all deallocated. */
  record LbaExtent(long lba, long blocks, boolean mapped) {}
}
