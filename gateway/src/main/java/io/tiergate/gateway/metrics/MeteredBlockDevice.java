package io.tiergate.gateway.metrics;

import io.netty.buffer.ByteBuf;
import io.tiergate.iscsi.spi.BlockDevice;
import java.util.List;

/**
 * A {@link BlockDevice} that times and counts the I/O of the device it wraps into the meters
 * of one volume. Sits between the iSCSI target's SCSI layer and the engine's volume; the
 * meters were created when the volume was exported, so a command costs two clock reads and a
 * few adder increments.
 */
public final class MeteredBlockDevice implements BlockDevice {
  private final BlockDevice device;
  private final GatewayStats.VolumeMeters meters;

  /** Wraps {@code device}, recording into {@code meters}. */
  public MeteredBlockDevice(BlockDevice device, GatewayStats.VolumeMeters meters) {
    this.device = device;
    this.meters = meters;
  }

  /** Whether this wraps exactly {@code other}. */
  public boolean wraps(BlockDevice other) {
    return device == other;
  }

  @Override
  public int blockSize() {
    return device.blockSize();
  }

  @Override
  public long blockCount() {
    return device.blockCount();
  }

  @Override
  public boolean thinProvisioned() {
    return device.thinProvisioned();
  }

  @Override
  public DeviceIdentity identity() {
    return device.identity();
  }

  @Override
  public void read(long lba, int blocks, ByteBuf out) {
    long t = System.nanoTime();
    try {
      device.read(lba, blocks, out);
    } catch (RuntimeException e) {
      meters.error();
      throw e;
    }
    meters.read((long) blocks * device.blockSize(), System.nanoTime() - t);
  }

  @Override
  public void write(long lba, ByteBuf data, boolean fua) {
    long bytes = data.readableBytes();
    long t = System.nanoTime();
    try {
      device.write(lba, data, fua);
    } catch (RuntimeException e) {
      meters.error();
      throw e;
    }
    meters.write(bytes, System.nanoTime() - t);
  }

  @Override
  public void flush() {
    device.flush();
  }

  @Override
  public void unmap(long lba, long blocks) {
    device.unmap(lba, blocks);
  }

  @Override
  public void writeSame(long lba, long blocks, ByteBuf block, boolean unmap, boolean fua) {
    long t = System.nanoTime();
    try {
      device.writeSame(lba, blocks, block, unmap, fua);
    } catch (RuntimeException e) {
      meters.error();
      throw e;
    }
    meters.write(blocks * device.blockSize(), System.nanoTime() - t);
  }

  @Override
  public long compareAndWrite(long lba, ByteBuf compare, ByteBuf write, boolean fua) {
    long bytes = write.readableBytes();
    long t = System.nanoTime();
    long r;
    try {
      r = device.compareAndWrite(lba, compare, write, fua);
    } catch (RuntimeException e) {
      meters.error();
      throw e;
    }
    meters.write(bytes, System.nanoTime() - t);
    return r;
  }

  @Override
  public List<LbaExtent> lbaStatus(long lba, int maxExtents) {
    return device.lbaStatus(lba, maxExtents);
  }

  @Override
  public byte[] loadReservations() {
    return device.loadReservations();
  }

  @Override
  public void saveReservations(byte[] state) {
    device.saveReservations(state);
  }

  @Override
  public void close() {
    device.close();
  }
}
