package io.tiergate.iscsi.scsi;

import io.tiergate.iscsi.spi.BlockDevice;
import java.util.List;

/**
 * Commands about the unit rather than its blocks: TEST UNIT READY, REQUEST SENSE, REPORT LUNS,
 * READ CAPACITY (10, 16), START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL (as a fixed, always
 * ready disk does) and the SPC-2 RESERVE(6) and RELEASE(6).
 */
final class UnitCommands {

  private UnitCommands() {}

  static ScsiResult testUnitReady(ScsiTask t) {
    return t.good();
  }

  /**
   * REQUEST SENSE: iSCSI delivers sense with the failing command (autosense), so what is left to
   * report here is a pending unit attention (taken by the dispatcher and passed in) or NO SENSE.
   */
  static ScsiResult requestSense(ScsiTask t, byte[] pending) {
    int alloc = Cdb.u8(t.cdb, 4);
    t.transferLength = alloc;
    if ((t.cdb[1] & 0x01) != 0) {
      // DESC: only fixed-format sense is produced.
      throw ScsiException.invalidCdbField(1, 0);
    }
    byte[] sense = pending != null ? pending : Sense.fixed(Sense.NO_SENSE, 0, 0);
    return t.dataIn(sense, alloc);
  }

  static ScsiResult reportLuns(ScsiTask t, List<Long> luns) {
    int select = Cdb.u8(t.cdb, 2);
    long alloc = Cdb.u32(t.cdb, 6);
    int allocation = (int) Math.min(Integer.MAX_VALUE, alloc);
    t.transferLength = allocation;
    if (select != 0x00 && select != 0x01 && select != 0x02 && select != 0x10
        && select != 0x11 && select != 0x12) {
      throw ScsiException.invalidCdbField(2, -1);
    }
    if (alloc < 16) {
      throw ScsiException.invalidCdbField(6, -1);
    }
    boolean none = select == 0x01 || select == 0x11;
    List<Long> list = none ? List.of() : luns;
    byte[] out = new byte[8 + 8 * list.size()];
    Cdb.put32(out, 0, 8L * list.size());
    int off = 8;
    for (long lun : list) {
      Cdb.put64(out, off, encodeLun(lun));
      off += 8;
    }
    return t.dataIn(out, allocation);
  }

  /** SAM-5 LUN encoding: peripheral addressing below 256, flat space addressing above. */
  static long encodeLun(long lun) {
    if (lun < 256) {
      return lun << 48;
    }
    return ((0x4000L | (lun & 0x3FFF)) << 48);
  }

  static ScsiResult readCapacity10(ScsiTask t) {
    t.transferLength = 8;
    byte[] cdb = t.cdb;
    boolean pmi = (cdb[8] & 0x01) != 0;
    if (!pmi && Cdb.u32(cdb, 2) != 0) {
      throw ScsiException.invalidCdbField(2, -1);
    }
    BlockDevice d = t.device();
    long last = d.blockCount() - 1;
    byte[] out = new byte[8];
    Cdb.put32(out, 0, Math.min(last, 0xFFFFFFFFL));
    Cdb.put32(out, 4, d.blockSize());
    return t.dataIn(out, 8);
  }

  static ScsiResult readCapacity16(ScsiTask t) {
    int alloc = (int) Math.min(Integer.MAX_VALUE, Cdb.u32(t.cdb, 10));
    t.transferLength = alloc;
    BlockDevice d = t.device();
    byte[] out = new byte[32];
    Cdb.put64(out, 0, d.blockCount() - 1);
    Cdb.put32(out, 8, d.blockSize());
    if (d.thinProvisioned()) {
      out[14] = (byte) 0xC0; // LBPME, LBPRZ
    }
    return t.dataIn(out, alloc);
  }

  static ScsiResult startStopUnit(ScsiTask t) {
    byte[] cdb = t.cdb;
    int powerCondition = (cdb[4] & 0xF0) >>> 4;
    switch (powerCondition) {
      case 0x0:
      case 0x1:
      case 0x2:
      case 0x3:
      case 0x7:
      case 0xA:
      case 0xB:
        break;
      default:
        throw ScsiException.invalidCdbField(4, 7);
    }
    boolean start = (cdb[4] & 0x01) != 0;
    boolean noFlush = (cdb[4] & 0x04) != 0;
    // A virtual fixed disk is always spinning: STOP only makes cached writes durable.
    if (powerCondition == 0 && !start && !noFlush) {
      t.device().flush();
    }
    return t.good();
  }

  static ScsiResult preventAllow(ScsiTask t) {
    int prevent = t.cdb[4] & 0x03;
    if (prevent > 1) {
      throw ScsiException.invalidCdbField(4, 1);
    }
    // Non-removable medium: nothing to lock, nothing to eject.
    return t.good();
  }

  static ScsiResult reserve6(ScsiTask t) {
    if ((t.cdb[1] & 0x01) != 0) {
      // Third-party reservations (SPC-2 7.21.2) are not supported.
      throw ScsiException.invalidCdbField(1, 0);
    }
    PersistentReservations pr = t.lu.reservations;
    if (pr.hasRegistrations() || pr.reservation() != null) {
      throw ScsiException.reservationConflict();
    }
    if (!t.lu.reserve6(t.nexus())) {
      throw ScsiException.reservationConflict();
    }
    return t.good();
  }

  static ScsiResult release6(ScsiTask t) {
    if ((t.cdb[1] & 0x01) != 0) {
      throw ScsiException.invalidCdbField(1, 0);
    }
    PersistentReservations pr = t.lu.reservations;
    if (pr.reservation() != null && !pr.isHolder(t.nexus())) {
      throw ScsiException.reservationConflict();
    }
    // Releasing a reservation held by another nexus, or none, is a no-op (SPC-2 7.17.1).
    t.lu.release6(t.nexus());
    return t.good();
  }
}
