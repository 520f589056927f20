package io.tiergate.iscsi.scsi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tiergate.iscsi.spi.BlockDevice;
import java.util.List;

/**
 * Thin-provisioning and atomic commands: UNMAP, WRITE SAME (10, 16), GET LBA STATUS,
 * COMPARE AND WRITE and ORWRITE (16) (SBC-4 sections 5.3, 5.8, 5.30, 5.47-5.48 and 5.22).
 */
final class ProvisioningCommands {

  private ProvisioningCommands() {}

  static ScsiResult unmap(ScsiTask t) {
    byte[] cdb = t.cdb;
    if ((cdb[1] & 0x01) != 0) {
      // ANCHOR: anchored blocks are not supported (ANC_SUP = 0 in the LBP VPD page).
      throw ScsiException.invalidCdbField(1, 0);
    }
    int listLength = Cdb.u16(cdb, 7);
    t.transferLength = listLength;
    if (listLength == 0) {
      return t.good();
    }
    if (listLength < 8) {
      throw ScsiException.parameterListLengthError();
    }
    ReadWriteCommands.checkWritable(t);
    byte[] p = t.parameterList(listLength);
    if (p.length < 8) {
      throw ScsiException.parameterListLengthError();
    }
    int descriptorBytes = Cdb.u16(p, 2);
    int count = Math.min(descriptorBytes, p.length - 8) / 16;
    if (count > BlockLimits.MAX_UNMAP_DESCRIPTORS) {
      throw ScsiException.invalidParameterField(2, -1);
    }
    BlockDevice d = t.device();
    long total = 0;
    for (int i = 0; i < count; i++) {
      int off = 8 + i * 16;
      long lba = Cdb.u64(p, off);
      long blocks = Cdb.u32(p, off + 8);
      if (blocks != 0 || Long.compareUnsigned(lba, d.blockCount()) > 0) {
        ReadWriteCommands.checkRange(d, lba, blocks);
      }
      total += blocks;
      if (blocks > BlockLimits.MAX_UNMAP_BLOCKS || total > BlockLimits.MAX_UNMAP_BLOCKS) {
        throw ScsiException.invalidParameterField(off + 8, -1);
      }
    }
    for (int i = 0; i < count; i++) {
      int off = 8 + i * 16;
      long blocks = Cdb.u32(p, off + 8);
      if (blocks > 0) {
        d.unmap(Cdb.u64(p, off), blocks);
      }
    }
    return t.good();
  }

  static ScsiResult writeSame(ScsiTask t) {
    byte[] cdb = t.cdb;
    boolean ten = t.opcode() == 0x41;
    long lba = ten ? Cdb.u32(cdb, 2) : Cdb.u64(cdb, 2);
    long blocks = ten ? Cdb.u16(cdb, 7) : Cdb.u32(cdb, 10);
    int flags = cdb[1] & 0xFF;
    boolean anchor = (flags & 0x10) != 0;
    boolean unmap = (flags & 0x08) != 0;
    boolean ndob = !ten && (flags & 0x01) != 0;
    BlockDevice d = t.device();
    int bs = d.blockSize();
    t.transferLength = ndob ? -1 : bs;
    if ((flags & 0xE0) != 0) {
      throw ScsiException.invalidCdbField(1, 7);
    }
    if (ten && (flags & 0x01) != 0) {
      throw ScsiException.invalidCdbField(1, 0);
    }
    if (anchor) {
      throw ScsiException.invalidCdbField(1, 4);
    }
    if (blocks == 0) {
      // WSNZ = 0: zero blocks means from the LBA to the end of the medium (SBC-4 5.48).
      if (Long.compareUnsigned(lba, d.blockCount()) >= 0) {
        throw ScsiException.lbaOutOfRange();
      }
      blocks = d.blockCount() - lba;
    }
    if (blocks > BlockLimits.MAX_WRITE_SAME_BLOCKS) {
      throw ScsiException.invalidCdbField(ten ? 7 : 10, -1);
    }
    ReadWriteCommands.checkRange(d, lba, blocks);
    ReadWriteCommands.checkWritable(t);
    ByteBuf block;
    if (ndob) {
      block = Unpooled.wrappedBuffer(new byte[bs]);
    } else {
      ByteBuf data = t.dataOut();
      if (data.readableBytes() != bs) {
        throw ScsiException.invalidCdbField(ten ? 7 : 10, -1);
      }
      block = data.slice(data.readerIndex(), bs);
    }
    boolean fua = !t.lu.writeCacheEnabled;
    if (unmap && d.thinProvisioned()) {
      // UNMAP set on a thin LUN deallocates whatever the data-out holds: with LBPRZ the blocks
      // then read as zeros, which is what initiators issuing it expect.
      d.unmap(lba, blocks);
      if (fua) {
        d.flush();
      }
      return t.good();
    }
    d.writeSame(lba, blocks, block, false, fua);
    return t.good();
  }

  static ScsiResult getLbaStatus(ScsiTask t) {
    byte[] cdb = t.cdb;
    long lba = Cdb.u64(cdb, 2);
    int alloc = (int) Math.min(Integer.MAX_VALUE, Cdb.u32(cdb, 10));
    t.transferLength = alloc;
    BlockDevice d = t.device();
    if (Long.compareUnsigned(lba, d.blockCount()) >= 0) {
      throw ScsiException.lbaOutOfRange();
    }
    if (alloc == 0) {
      return t.good();
    }
    int max = Math.max(1, Math.min(1024, (alloc - 8) / 16));
    List<BlockDevice.LbaExtent> extents = d.lbaStatus(lba, max);
    byte[] out = new byte[8 + 16 * extents.size()];
    Cdb.put32(out, 0, out.length - 4);
    int off = 8;
    for (BlockDevice.LbaExtent e : extents) {
      Cdb.put64(out, off, e.lba());
      Cdb.put32(out, off + 8, Math.min(0xFFFFFFFFL, e.blocks()));
      out[off + 12] = (byte) (e.mapped() ? 0 : 1);
      off += 16;
    }
    return t.dataIn(out, alloc);
  }

  static ScsiResult compareAndWrite(ScsiTask t) {
    byte[] cdb = t.cdb;
    long lba = Cdb.u64(cdb, 2);
    int blocks = Cdb.u8(cdb, 13);
    BlockDevice d = t.device();
    int bs = d.blockSize();
    t.transferLength = 2L * blocks * bs;
    if ((cdb[1] & 0xE0) != 0) {
      throw ScsiException.invalidCdbField(1, 7);
    }
    if (blocks > BlockLimits.MAX_COMPARE_AND_WRITE_BLOCKS) {
      throw ScsiException.invalidCdbField(13, -1);
    }
    ReadWriteCommands.checkRange(d, lba, blocks);
    ByteBuf data = t.dataOut();
    int half = blocks * bs;
    if (data.readableBytes() != 2 * half) {
      // The data-out must hold exactly the compare and the write halves; anything else means
      // initiator and target disagree about the command.
      throw ScsiException.invalidCdbField(13, -1);
    }
    if (blocks == 0) {
      return t.good();
    }
    ReadWriteCommands.checkWritable(t);
    boolean fua = (cdb[1] & 0x08) != 0 || !t.lu.writeCacheEnabled;
    long miscompare = d.compareAndWrite(lba, data.slice(data.readerIndex(), half),
        data.slice(data.readerIndex() + half, half), fua);
    if (miscompare >= 0) {
      throw ScsiException.miscompare(miscompare);
    }
    return t.good();
  }

  /** How often ORWRITE retries when another write changes the blocks under it. */
  private static final int OR_WRITE_ATTEMPTS = 64;

  /**
   * ORWRITE (16): the medium becomes medium OR data, atomically with respect to every other
   * write. Built on {@link BlockDevice#compareAndWrite}: read, OR, and swap only if the blocks
   * are still what was read, retrying when a concurrent write got there first.
   */
  static ScsiResult orWrite(ScsiTask t) {
    ReadWriteCommands.Range r = ReadWriteCommands.decode(t.cdb);
    BlockDevice d = t.device();
    int bs = d.blockSize();
    t.transferLength = r.blocks() * bs;
    ReadWriteCommands.checkNoProtection(r);
    ReadWriteCommands.checkTransferLength(t, r);
    ReadWriteCommands.checkRange(d, r.lba(), r.blocks());
    ReadWriteCommands.checkWritable(t);
    ByteBuf data = t.dataOut();
    int blocks = (int) Math.min(r.blocks(), data.readableBytes() / bs);
    if (blocks == 0) {
      return t.good();
    }
    int len = blocks * bs;
    byte[] mask = new byte[len];
    data.getBytes(data.readerIndex(), mask);
    boolean fua = (r.flags() & 0x08) != 0 || !t.lu.writeCacheEnabled;
    ByteBuf medium = io.netty.buffer.ByteBufAllocator.DEFAULT.heapBuffer(len);
    try {
      for (int attempt = 0; attempt < OR_WRITE_ATTEMPTS; attempt++) {
        medium.clear();
        d.read(r.lba(), blocks, medium);
        byte[] result = new byte[len];
        medium.getBytes(0, result);
        for (int i = 0; i < len; i++) {
          result[i] |= mask[i];
        }
        if (d.compareAndWrite(r.lba(), medium, Unpooled.wrappedBuffer(result), fua) < 0) {
          return t.good();
        }
      }
    } finally {
      medium.release();
    }
    // The blocks kept changing under us: let the initiator retry.
    throw new ScsiException(ScsiResult.BUSY, 0, 0, 0, -1, -1, -1, true);
  }
}
