package io.tiergate.iscsi.scsi;

import io.netty.buffer.ByteBuf;
import io.tiergate.iscsi.spi.BlockDevice;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A device wrapper that counts FUA writes and flushes and can pretend to grow. */
class CountingDevice implements BlockDevice {

  final BlockDevice inner;
  final AtomicInteger fuaWrites = new AtomicInteger();
  final AtomicInteger flushes = new AtomicInteger();
  volatile long extraBlocks;

  CountingDevice(BlockDevice inner) {
    this.inner = inner;
  }

  @Override
  public int blockSize() {
    return inner.blockSize();
  }

  @Override
  public long blockCount() {
    return inner.blockCount() + extraBlocks;
  }

  @Override
  public boolean thinProvisioned() {
    return inner.thinProvisioned();
  }

  @Override
  public DeviceIdentity identity() {
    return inner.identity();
  }

  @Override
  public void read(long lba, int blocks, ByteBuf out) {
    inner.read(lba, blocks, out);
  }

  @Override
  public void write(long lba, ByteBuf data, boolean fua) {
    if (fua) {
      fuaWrites.incrementAndGet();
    }
    inner.write(lba, data, fua);
  }

  @Override
  public void flush() {
    flushes.incrementAndGet();
    inner.flush();
  }

  @Override
  public void unmap(long lba, long blocks) {
    inner.unmap(lba, blocks);
  }

  @Override
  public long compareAndWrite(long lba, ByteBuf compare, ByteBuf write, boolean fua) {
    return inner.compareAndWrite(lba, compare, write, fua);
  }

  @Override
  public List<LbaExtent> lbaStatus(long lba, int maxExtents) {
    return inner.lbaStatus(lba, maxExtents);
  }

  @Override
  public byte[] loadReservations() {
    return inner.loadReservations();
  }

  @Override
  public void saveReservations(byte[] state) {
    inner.saveReservations(state);
  }

  @Override
  public void close() {
    inner.close();
  }
}
