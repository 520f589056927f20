package io.tiergate.iscsi.scsi;

import io.tiergate.iscsi.spi.BlockDevice;
import java.io.ByteArrayOutputStream;

/**
 * MODE SENSE (6, 10) and MODE SELECT (6, 10) with the read-write error recovery (0x01),
 * caching (0x08) and control (0x0A) pages, block descriptors and the current, changeable and
 * default page controls. Changeable: WCE in the caching page and SWP in the control page;
 * saving is not supported.
 */
final class ModeCommands {

  static final int PAGE_ERROR_RECOVERY = 0x01;
  static final int PAGE_CACHING = 0x08;
  static final int PAGE_CONTROL = 0x0A;
  static final int PAGE_ALL = 0x3F;

  private static final int PC_CURRENT = 0;
  private static final int PC_CHANGEABLE = 1;
  private static final int PC_DEFAULT = 2;
  private static final int PC_SAVED = 3;

  private ModeCommands() {}

  static ScsiResult modeSense(ScsiTask t) {
    byte[] cdb = t.cdb;
    boolean six = t.opcode() == 0x1A;
    int alloc = six ? Cdb.u8(cdb, 4) : Cdb.u16(cdb, 7);
    t.transferLength = alloc;
    boolean dbd = (cdb[1] & 0x08) != 0;
    boolean llbaa = !six && (cdb[1] & 0x10) != 0;
    int pc = (cdb[2] & 0xC0) >>> 6;
    int page = cdb[2] & 0x3F;
    int subpage = Cdb.u8(cdb, 3);
    if (pc == PC_SAVED) {
      throw ScsiException.check(Sense.ILLEGAL_REQUEST, 0x39, 0x00);
    }
    if (subpage != 0 && !(page == PAGE_ALL && subpage == 0xFF)) {
      throw ScsiException.invalidCdbField(3, -1);
    }
    ByteArrayOutputStream pages = new ByteArrayOutputStream();
    if (page == PAGE_ALL) {
      pages.writeBytes(page(t.lu, PAGE_ERROR_RECOVERY, pc));
      pages.writeBytes(page(t.lu, PAGE_CACHING, pc));
      pages.writeBytes(page(t.lu, PAGE_CONTROL, pc));
    } else if (page == PAGE_ERROR_RECOVERY || page == PAGE_CACHING || page == PAGE_CONTROL) {
      pages.writeBytes(page(t.lu, page, pc));
    } else {
      throw ScsiException.invalidCdbField(2, 5);
    }
    BlockDevice d = t.device();
    byte[] descriptor = dbd ? new byte[0] : blockDescriptor(d, llbaa);
    int header = six ? 4 : 8;
    byte[] out = new byte[header + descriptor.length + pages.size()];
    int deviceSpecific = 0x10; // DPOFUA
    if (t.lu.softwareWriteProtect) {
      deviceSpecific |= 0x80;
    }
    if (six) {
      out[0] = (byte) (out.length - 1);
      out[2] = (byte) deviceSpecific;
      out[3] = (byte) descriptor.length;
    } else {
      Cdb.put16(out, 0, out.length - 2);
      out[3] = (byte) deviceSpecific;
      out[4] = (byte) (llbaa && !dbd ? 0x01 : 0x00);
      Cdb.put16(out, 6, descriptor.length);
    }
    System.arraycopy(descriptor, 0, out, header, descriptor.length);
    byte[] p = pages.toByteArray();
    System.arraycopy(p, 0, out, header + descriptor.length, p.length);
    return t.dataIn(out, alloc);
  }

  private static byte[] blockDescriptor(BlockDevice d, boolean longLba) {
    if (longLba) {
      byte[] b = new byte[16];
      Cdb.put64(b, 0, d.blockCount());
      Cdb.put32(b, 12, d.blockSize());
      return b;
    }
    byte[] b = new byte[8];
    Cdb.put32(b, 0, Math.min(d.blockCount(), 0xFFFFFFFFL));
    b[5] = (byte) (d.blockSize() >>> 16);
    b[6] = (byte) (d.blockSize() >>> 8);
    b[7] = (byte) d.blockSize();
    return b;
  }

  /** One mode page as MODE SENSE returns it for page control {@code pc}. */
  static byte[] page(LogicalUnit lu, int code, int pc) {
    byte[] p;
    switch (code) {
      case PAGE_ERROR_RECOVERY:
        p = new byte[12];
        break;
      case PAGE_CACHING:
        p = new byte[20];
        if (pc == PC_CHANGEABLE) {
          p[2] = 0x04;
        } else if (pc == PC_DEFAULT || lu.writeCacheEnabled) {
          p[2] = 0x04;
        }
        break;
      case PAGE_CONTROL:
        p = new byte[12];
        if (pc == PC_CHANGEABLE) {
          p[4] = 0x08;
        } else {
          p[3] = 0x10; // queue algorithm modifier 1: unrestricted reordering
          if (pc == PC_CURRENT && lu.softwareWriteProtect) {
            p[4] = 0x08;
          }
          if (pc != PC_CHANGEABLE) {
            Cdb.put16(p, 8, 0xFFFF); // busy timeout period: unlimited
          }
        }
        break;
      default:
        throw new IllegalArgumentException("mode page " + code);
    }
    p[0] = (byte) code;
    p[1] = (byte) (p.length - 2);
    return p;
  }

  static ScsiResult modeSelect(ScsiTask t) {
    byte[] cdb = t.cdb;
    boolean six = t.opcode() == 0x15;
    int length = six ? Cdb.u8(cdb, 4) : Cdb.u16(cdb, 7);
    t.transferLength = length;
    if ((cdb[1] & 0x10) == 0 && length > 0) {
      throw ScsiException.invalidCdbField(1, 4);
    }
    if ((cdb[1] & 0x01) != 0) {
      throw ScsiException.invalidCdbField(1, 0);
    }
    if (length == 0) {
      return t.good();
    }
    int header = six ? 4 : 8;
    byte[] p = t.parameterList(length);
    if (p.length < length || length < header) {
      throw ScsiException.parameterListLengthError();
    }
    int descriptorLength = six ? Cdb.u8(p, 3) : Cdb.u16(p, 6);
    boolean longLba = !six && (p[4] & 0x01) != 0;
    int off = header;
    BlockDevice d = t.device();
    int each = longLba ? 16 : 8;
    if (descriptorLength % each != 0 || off + descriptorLength > length) {
      throw ScsiException.invalidParameterField(six ? 3 : 6, -1);
    }
    for (int i = 0; i < descriptorLength / each; i++) {
      int bs = longLba ? (int) Cdb.u32(p, off + 12) : Cdb.u24(p, off + 5);
      if (bs != d.blockSize()) {
        throw ScsiException.invalidParameterField(off + (longLba ? 12 : 5), -1);
      }
      off += each;
    }
    boolean wce = t.lu.writeCacheEnabled;
    boolean swp = t.lu.softwareWriteProtect;
    while (off < length) {
      if (off + 2 > length) {
        throw ScsiException.parameterListLengthError();
      }
      int code = p[off] & 0x3F;
      if ((p[off] & 0x40) != 0) {
        throw ScsiException.invalidParameterField(off, 6);
      }
      int pageLength = Cdb.u8(p, off + 1) + 2;
      if (code != PAGE_ERROR_RECOVERY && code != PAGE_CACHING && code != PAGE_CONTROL) {
        throw ScsiException.invalidParameterField(off, 5);
      }
      byte[] current = page(t.lu, code, PC_CURRENT);
      byte[] changeable = page(t.lu, code, PC_CHANGEABLE);
      if (pageLength != current.length || off + pageLength > length) {
        throw ScsiException.invalidParameterField(off + 1, -1);
      }
      for (int i = 2; i < pageLength; i++) {
        int diff = (p[off + i] ^ current[i]) & ~changeable[i] & 0xFF;
        if (diff != 0) {
          throw ScsiException.invalidParameterField(off + i, 31 - Integer.numberOfLeadingZeros(diff));
        }
      }
      if (code == PAGE_CACHING) {
        wce = (p[off + 2] & 0x04) != 0;
      } else if (code == PAGE_CONTROL) {
        swp = (p[off + 4] & 0x08) != 0;
      }
      off += pageLength;
    }
    boolean changed = wce != t.lu.writeCacheEnabled || swp != t.lu.softwareWriteProtect;
    if (!wce && t.lu.writeCacheEnabled) {
      d.flush();
    }
    t.lu.writeCacheEnabled = wce;
    t.lu.softwareWriteProtect = swp;
    if (changed) {
      t.lu.raiseAllExcept(t.nexus(), LogicalUnit.UA_MODE_PARAMETERS_CHANGED);
    }
    return t.good();
  }
}
