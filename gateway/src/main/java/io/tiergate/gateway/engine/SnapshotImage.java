package io.tiergate.gateway.engine;

import io.netty.buffer.ByteBuf;

/**
 * A read-only view of a local snapshot's content, with the volume's 512-byte blocks. Each read
 * is consistent in itself (one store snapshot) and costs, per chunk, one lookup per newer
 * snapshot of the volume at most, plus the live map (and for a snapshot of a clone, its
 * origin's). Reading a deleted snapshot fails.
 */
public final class SnapshotImage {
  private final Volume volume;
  private final SnapshotInfo info;
  private final Snapshots snapshots;

  SnapshotImage(Volume volume, SnapshotInfo info, Snapshots snapshots) {
    this.volume = volume;
    this.info = info;
    this.snapshots = snapshots;
  }

  /** The snapshot. */
  public SnapshotInfo info() {
    return info;
  }

  /** Blocks of the volume (the snapshot reads zeros where the volume has grown since). */
  public long blockCount() {
    return volume.blockCount();
  }

  /** Appends {@code blocks} blocks from {@code lba} of the snapshot to {@code out}. */
  public void read(long lba, int blocks, ByteBuf out) {
    snapshots.record(info.id());
    volume.readVia(lba, blocks, out, () -> snapshots.source(info.id()));
  }
}
