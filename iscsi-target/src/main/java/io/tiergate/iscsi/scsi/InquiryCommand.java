package io.tiergate.iscsi.scsi;

import io.tiergate.iscsi.spi.BlockDevice;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * INQUIRY (SPC-5 6.7): standard data and the vital product data pages 0x00 (supported pages),
 * 0x80 (unit serial number), 0x83 (device identification), 0xB0 (block limits), 0xB1 (block
 * device characteristics) and 0xB2 (logical block provisioning).
 *
 * <p>The logical unit is named by an NAA locally assigned designator (NAA 3) made from the
 * device UUID, and a T10 vendor designator; the target port by its relative port identifier and
 * its SCSI name string ({@code iqn...,t,0xTPGT}), which multipath initiators compare across
 * paths.
 */
final class InquiryCommand {

  static final String VENDOR = "TIERGATE";
  static final String PRODUCT = "VIRTUAL-DISK";
  static final String REVISION = "0001";

  private static final int[] VPD_PAGES = {0x00, 0x80, 0x83, 0xB0, 0xB1, 0xB2};

  private InquiryCommand() {}

  static ScsiResult execute(ScsiTask t) {
    byte[] cdb = t.cdb;
    int alloc = Cdb.u16(cdb, 3);
    t.transferLength = alloc;
    if ((cdb[1] & 0x02) != 0) {
      throw ScsiException.invalidCdbField(1, 1);
    }
    boolean evpd = (cdb[1] & 0x01) != 0;
    int page = Cdb.u8(cdb, 2);
    if (!evpd) {
      if (page != 0) {
        throw ScsiException.invalidCdbField(2, -1);
      }
      return t.dataIn(standard(t.lu == null), alloc);
    }
    if (t.lu == null) {
      throw ScsiException.lunNotSupported();
    }
    byte[] data;
    switch (page) {
      case 0x00:
        data = new byte[4 + VPD_PAGES.length];
        for (int i = 0; i < VPD_PAGES.length; i++) {
          data[4 + i] = (byte) VPD_PAGES[i];
        }
        break;
      case 0x80:
        data = serialNumber(t.device());
        break;
      case 0x83:
        data = deviceIdentification(t);
        break;
      case 0xB0:
        data = blockLimits(t.device());
        break;
      case 0xB1:
        data = new byte[64];
        Cdb.put16(data, 4, 1); // non-rotating medium
        break;
      case 0xB2:
        data = logicalBlockProvisioning(t.device());
        break;
      default:
        throw ScsiException.invalidCdbField(2, -1);
    }
    data[1] = (byte) page;
    Cdb.put16(data, 2, data.length - 4);
    return t.dataIn(data, alloc);
  }

  /** Standard INQUIRY data, 96 bytes; for an absent LUN, peripheral qualifier 011b. */
  static byte[] standard(boolean absent) {
    byte[] d = new byte[96];
    d[0] = (byte) (absent ? 0x7F : 0x00);
    d[2] = 0x06; // SPC-4
    d[3] = 0x12; // HISUP, response data format 2
    d[4] = (byte) (d.length - 5);
    d[7] = 0x02; // CMDQUE
    ascii(d, 8, 8, VENDOR);
    ascii(d, 16, 16, PRODUCT);
    ascii(d, 32, 4, REVISION);
    int[] versions = {0x00A0 /* SAM-5 */, 0x0960 /* iSCSI */, 0x0460 /* SPC-4 */,
        0x04C0 /* SBC-3 */};
    for (int i = 0; i < versions.length; i++) {
      Cdb.put16(d, 58 + 2 * i, versions[i]);
    }
    return d;
  }

  private static void ascii(byte[] d, int off, int len, String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < len; i++) {
      d[off + i] = i < b.length ? b[i] : (byte) ' ';
    }
  }

  private static byte[] serialNumber(BlockDevice d) {
    byte[] serial = printable(d.identity().serialNumber());
    byte[] out = new byte[4 + serial.length];
    System.arraycopy(serial, 0, out, 4, serial.length);
    return out;
  }

  private static byte[] printable(String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < b.length; i++) {
      if (b[i] < 0x20 || b[i] > 0x7E) {
        b[i] = '_';
      }
    }
    return b;
  }

  /** The NAA 3 value: the UUID's 60 most significant bits behind the NAA nibble. */
  static long naa(UUID uuid) {
    long bits = uuid.getMostSignificantBits() ^ Long.rotateLeft(uuid.getLeastSignificantBits(), 7);
    return (0x3L << 60) | (bits & 0x0FFF_FFFF_FFFF_FFFFL);
  }

  private static byte[] deviceIdentification(ScsiTask t) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[4]);
    UUID uuid = t.device().identity().uuid();
    // NAA, binary, associated with the logical unit.
    byte[] naa = new byte[8];
    Cdb.put64(naa, 0, naa(uuid));
    designator(out, 0x01, 0x03, naa);
    // T10 vendor ID, ASCII: vendor followed by the device UUID.
    byte[] t10 = new byte[8 + 36];
    ascii(t10, 0, 8, VENDOR);
    byte[] u = uuid.toString().getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(u, 0, t10, 8, u.length);
    designator(out, 0x02, 0x01, t10);
    ItNexus nexus = t.nexus();
    if (nexus != null) {
      // Relative target port identifier: iSCSI, binary, PIV, associated with the target port.
      byte[] rel = new byte[4];
      Cdb.put16(rel, 2, relativePortId(nexus));
      designator(out, 0x51, 0x94, rel);
      // SCSI name string of the target port: iSCSI, UTF-8, PIV, target port association.
      designator(out, 0x53, 0x98, nameString(nexus.targetPortName()));
      // SCSI name string of the target device.
      designator(out, 0x53, 0xA8, nameString(nexus.targetName()));
    }
    return out.toByteArray();
  }

  /** The relative target port identifier of the portal group a nexus came through (never 0). */
  static int relativePortId(ItNexus nexus) {
    int tpgt = nexus.targetPortalGroupTag() & 0xFFFF;
    return tpgt == 0 ? 1 : tpgt;
  }

  /** A null-terminated UTF-8 string padded to a multiple of four bytes (SPC-5 7.7.6.11). */
  private static byte[] nameString(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    int len = (b.length + 1 + 3) & ~3;
    byte[] out = new byte[len];
    System.arraycopy(b, 0, out, 0, b.length);
    return out;
  }

  private static void designator(ByteArrayOutputStream out, int protocolCodeSet, int typeByte,
      byte[] value) {
    out.write(protocolCodeSet);
    out.write(typeByte);
    out.write(0);
    out.write(value.length);
    out.writeBytes(value);
  }

  private static byte[] blockLimits(BlockDevice d) {
    byte[] b = new byte[64];
    int bs = d.blockSize();
    b[5] = (byte) BlockLimits.MAX_COMPARE_AND_WRITE_BLOCKS;
    Cdb.put16(b, 6, 1);
    Cdb.put32(b, 8, BlockLimits.maxTransferBlocks(bs));
    Cdb.put32(b, 12, BlockLimits.OPTIMAL_TRANSFER_BYTES / bs);
    if (d.thinProvisioned()) {
      Cdb.put32(b, 20, BlockLimits.MAX_UNMAP_BLOCKS);
      Cdb.put32(b, 24, BlockLimits.MAX_UNMAP_DESCRIPTORS);
      Cdb.put32(b, 28, 1);
    }
    Cdb.put64(b, 36, BlockLimits.MAX_WRITE_SAME_BLOCKS);
    return b;
  }

  private static byte[] logicalBlockProvisioning(BlockDevice d) {
    byte[] b = new byte[8];
    if (d.thinProvisioned()) {
      b[5] = (byte) (0x80 | 0x40 | 0x20 | 0x04); // LBPU, LBPWS, LBPWS10, LBPRZ = 001b
      b[6] = 0x02; // thin provisioned
    }
    return b;
  }
}
