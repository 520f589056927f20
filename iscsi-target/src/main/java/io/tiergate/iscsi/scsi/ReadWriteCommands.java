package io.tiergate.iscsi.scsi;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.tiergate.iscsi.spi.BlockDevice;

/**
 * READ and WRITE (6, 10, 12, 16), WRITE AND VERIFY (10, 12, 16), VERIFY (10, 12, 16),
 * SYNCHRONIZE CACHE (10, 16) and PRE-FETCH (10, 16): the block data path of SBC-4 section 5.
 */
final class ReadWriteCommands {

  private ReadWriteCommands() {}

  /** LBA, block count and flag byte of a data-path CDB, decoded by CDB size. */
  record Range(long lba, long blocks, int flags, int lengthField) {}

  static Range decode(byte[] cdb) {
    int op = cdb[0] & 0xFF;
    switch (Cdb.lengthOf(op)) {
      case 6: {
        long lba = Cdb.u24(cdb, 1) & 0x1FFFFF;
        int n = Cdb.u8(cdb, 4);
        // READ(6)/WRITE(6): a length of zero means 256 blocks (SBC-4 5.12, 5.39).
        return new Range(lba, n == 0 ? 256 : n, 0, 4);
      }
      case 10:
        return new Range(Cdb.u32(cdb, 2), Cdb.u16(cdb, 7), Cdb.u8(cdb, 1), 7);
      case 12:
        return new Range(Cdb.u32(cdb, 2), Cdb.u32(cdb, 6), Cdb.u8(cdb, 1), 6);
      default:
        return new Range(Cdb.u64(cdb, 2), Cdb.u32(cdb, 10), Cdb.u8(cdb, 1), 10);
    }
  }

  /** LBA OUT OF RANGE unless [lba, lba + blocks) lies inside the device. */
  static void checkRange(BlockDevice d, long lba, long blocks) {
    long count = d.blockCount();
    if (Long.compareUnsigned(lba, count) >= 0 || Long.compareUnsigned(blocks, count - lba) > 0) {
      throw ScsiException.lbaOutOfRange();
    }
  }

  /** Protection fields (RDPROTECT, WRPROTECT, VRPROTECT) must be zero: no protection info. */
  static void checkNoProtection(Range r) {
    if ((r.flags() & 0xE0) != 0) {
      throw ScsiException.invalidCdbField(1, 7);
    }
  }

  static void checkTransferLength(ScsiTask t, Range r) {
    if (r.blocks() > BlockLimits.maxTransferBlocks(t.device().blockSize())) {
      throw ScsiException.invalidCdbField(r.lengthField(), -1);
    }
  }

  static void checkWritable(ScsiTask t) {
    if (t.lu.softwareWriteProtect) {
      throw ScsiException.check(Sense.DATA_PROTECT, 0x27, 0x02);
    }
  }

  static ScsiResult read(ScsiTask t) {
    Range r = decode(t.cdb);
    BlockDevice d = t.device();
    t.transferLength = r.blocks() * d.blockSize();
    checkNoProtection(r);
    checkTransferLength(t, r);
    checkRange(d, r.lba(), r.blocks());
    if (r.blocks() == 0) {
      return t.good();
    }
    ByteBuf out = ByteBufAllocator.DEFAULT.ioBuffer((int) t.transferLength);
    try {
      d.read(r.lba(), (int) r.blocks(), out);
    } catch (RuntimeException e) {
      out.release();
      throw e;
    }
    return t.dataIn(out);
  }

  static ScsiResult write(ScsiTask t) {
    Range r = decode(t.cdb);
    BlockDevice d = t.device();
    t.transferLength = r.blocks() * d.blockSize();
    checkNoProtection(r);
    checkTransferLength(t, r);
    checkRange(d, r.lba(), r.blocks());
    checkWritable(t);
    writeReceived(t, r, fua(t, r));
    return t.good();
  }

  static boolean fua(ScsiTask t, Range r) {
    return (r.flags() & 0x08) != 0 || !t.lu.writeCacheEnabled;
  }

  /**
   * Writes the whole blocks of data-out that both the CDB asked for and the initiator sent:
   * when ExpectedDataTransferLength and the CDB disagree, the smaller amount is written and the
   * session reports the residual.
   */
  private static void writeReceived(ScsiTask t, Range r, boolean fua) {
    BlockDevice d = t.device();
    ByteBuf data = t.dataOut();
    long blocks = Math.min(r.blocks(), data.readableBytes() / d.blockSize());
    if (blocks > 0) {
      d.write(r.lba(), data.slice(data.readerIndex(), (int) blocks * d.blockSize()), fua);
    }
  }

  static ScsiResult writeAndVerify(ScsiTask t) {
    Range r = decode(t.cdb);
    BlockDevice d = t.device();
    t.transferLength = r.blocks() * d.blockSize();
    checkNoProtection(r);
    checkTransferLength(t, r);
    checkRange(d, r.lba(), r.blocks());
    checkWritable(t);
    // BYTCHK 0 and 1 both end with the written data on the medium; written data cannot differ.
    writeReceived(t, r, true);
    return t.good();
  }

  static ScsiResult verify(ScsiTask t) {
    Range r = decode(t.cdb);
    BlockDevice d = t.device();
    int bs = d.blockSize();
    int bytchk = (r.flags() >> 1) & 0x03;
    t.transferLength = bytchk == 0 ? -1 : bytchk == 3 ? bs : r.blocks() * bs;
    checkNoProtection(r);
    if (bytchk == 2) {
      throw ScsiException.invalidCdbField(1, 2);
    }
    checkTransferLength(t, r);
    checkRange(d, r.lba(), r.blocks());
    if (r.blocks() == 0) {
      return t.good();
    }
    ByteBuf medium = ByteBufAllocator.DEFAULT.ioBuffer((int) (r.blocks() * bs));
    try {
      d.read(r.lba(), (int) r.blocks(), medium);
      if (bytchk == 0) {
        return t.good();
      }
      ByteBuf data = t.dataOut();
      long need = bytchk == 3 ? bs : r.blocks() * bs;
      if (data.readableBytes() < need) {
        throw ScsiException.invalidCdbField(r.lengthField(), -1);
      }
      int total = (int) (r.blocks() * bs);
      byte[] have = new byte[total];
      medium.getBytes(medium.readerIndex(), have);
      byte[] expected = new byte[(int) need];
      data.getBytes(data.readerIndex(), expected);
      for (int off = 0; off < total; off += expected.length) {
        int diff = java.util.Arrays.mismatch(have, off, off + expected.length, expected, 0,
            expected.length);
        if (diff >= 0) {
          throw ScsiException.miscompare(off + diff);
        }
      }
      return t.good();
    } finally {
      medium.release();
    }
  }

  /**
   * PRE-FETCH: the range is checked and the command completes with GOOD, which SBC-4 5.9
   * allows a device whose cache cannot promise to hold the blocks; the device's own cache
   * decides what stays hot.
   */
  static ScsiResult preFetch(ScsiTask t) {
    boolean ten = t.opcode() == 0x34;
    long lba = ten ? Cdb.u32(t.cdb, 2) : Cdb.u64(t.cdb, 2);
    long blocks = ten ? Cdb.u16(t.cdb, 7) : Cdb.u32(t.cdb, 10);
    BlockDevice d = t.device();
    if (blocks == 0) {
      if (Long.compareUnsigned(lba, d.blockCount()) >= 0) {
        throw ScsiException.lbaOutOfRange();
      }
    } else {
      checkRange(d, lba, blocks);
    }
    return t.good();
  }

  /**
   * READ DEFECT DATA (10, 12): a virtual medium has no defects, so the answer is an empty
   * list in the format asked for.
   */
  static ScsiResult readDefectData(ScsiTask t) {
    boolean ten = t.opcode() == 0x37;
    int flags = ten ? Cdb.u8(t.cdb, 2) : Cdb.u8(t.cdb, 1);
    int alloc = ten ? Cdb.u16(t.cdb, 7) : (int) Math.min(Integer.MAX_VALUE, Cdb.u32(t.cdb, 6));
    byte[] out = new byte[ten ? 4 : 8];
    out[1] = (byte) (flags & 0x1F); // PLISTV, GLISTV and the format, as requested
    return t.dataIn(out, alloc);
  }

  static ScsiResult synchronizeCache(ScsiTask t) {
    boolean ten = t.opcode() == 0x35;
    long lba = ten ? Cdb.u32(t.cdb, 2) : Cdb.u64(t.cdb, 2);
    long blocks = ten ? Cdb.u16(t.cdb, 7) : Cdb.u32(t.cdb, 10);
    BlockDevice d = t.device();
    if (blocks == 0) {
      if (Long.compareUnsigned(lba, d.blockCount()) >= 0) {
        throw ScsiException.lbaOutOfRange();
      }
    } else {
      checkRange(d, lba, blocks);
    }
    d.flush();
    return t.good();
  }
}
