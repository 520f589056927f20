package io.tiergate.iscsi.scsi;

/**
 * The limits this target advertises in the Block Limits VPD page (0xB0) and enforces on every
 * command, in one place so that the page and the checks cannot drift apart.
 */
final class BlockLimits {

  /** Largest data transfer of one READ or WRITE, in bytes. */
  static final int MAX_TRANSFER_BYTES = 16 << 20;
  /** Preferred transfer size, in bytes. */
  static final int OPTIMAL_TRANSFER_BYTES = 1 << 20;
  /** MAXIMUM COMPARE AND WRITE LENGTH, in blocks. */
  static final int MAX_COMPARE_AND_WRITE_BLOCKS = 255;
  /** MAXIMUM UNMAP LBA COUNT: blocks per UNMAP command. */
  static final long MAX_UNMAP_BLOCKS = 1L << 20;
  /** MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT. */
  static final int MAX_UNMAP_DESCRIPTORS = 256;
  /**
   * MAXIMUM WRITE SAME LENGTH, in blocks: kept within what one WRITE may carry at 512-byte
   * blocks, since initiators check a write-same range by writing it first.
   */
  static final long MAX_WRITE_SAME_BLOCKS = 1L << 15;

  private BlockLimits() {}

  static int maxTransferBlocks(int blockSize) {
    return MAX_TRANSFER_BYTES / blockSize;
  }
}
