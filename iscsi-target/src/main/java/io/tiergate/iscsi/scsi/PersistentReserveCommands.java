package io.tiergate.iscsi.scsi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * PERSISTENT RESERVE IN (READ KEYS, READ RESERVATION, REPORT CAPABILITIES, READ FULL STATUS)
 * and PERSISTENT RESERVE OUT (every service action), SPC-5 sections 6.15 and 6.16. The state
 * machine lives in {@link PersistentReservations}; this class decodes and encodes.
 */
final class PersistentReserveCommands {

  static final int READ_KEYS = 0x00;
  static final int READ_RESERVATION = 0x01;
  static final int REPORT_CAPABILITIES = 0x02;
  static final int READ_FULL_STATUS = 0x03;

  static final int REGISTER = 0x00;
  static final int RESERVE = 0x01;
  static final int RELEASE = 0x02;
  static final int CLEAR = 0x03;
  static final int PREEMPT = 0x04;
  static final int PREEMPT_AND_ABORT = 0x05;
  static final int REGISTER_AND_IGNORE = 0x06;
  static final int REGISTER_AND_MOVE = 0x07;

  /** The iSCSI protocol identifier in TransportIDs and designators. */
  private static final int PROTOCOL_ISCSI = 0x5;

  private PersistentReserveCommands() {}

  static ScsiResult in(ScsiTask t) {
    byte[] cdb = t.cdb;
    int sa = cdb[1] & 0x1F;
    int alloc = Cdb.u16(cdb, 7);
    t.transferLength = alloc;
    PersistentReservations pr = t.lu.reservations;
    byte[] out;
    switch (sa) {
      case READ_KEYS: {
        List<Map.Entry<ItNexus, Long>> regs = pr.registrations();
        int gen = pr.generation();
        out = new byte[8 + 8 * regs.size()];
        Cdb.put32(out, 0, gen);
        Cdb.put32(out, 4, 8L * regs.size());
        int off = 8;
        for (Map.Entry<ItNexus, Long> e : regs) {
          Cdb.put64(out, off, e.getValue());
          off += 8;
        }
        break;
      }
      case READ_RESERVATION: {
        PersistentReservations.Reservation r = pr.reservation();
        int gen = pr.generation();
        if (r == null) {
          out = new byte[8];
        } else {
          out = new byte[24];
          Cdb.put32(out, 4, 16);
          long key = 0;
          if (!r.allRegistrants()) {
            for (Map.Entry<ItNexus, Long> e : pr.registrations()) {
              if (e.getKey().equals(r.holder())) {
                key = e.getValue();
              }
            }
          }
          Cdb.put64(out, 8, key);
          out[21] = (byte) r.type();
        }
        Cdb.put32(out, 0, gen);
        break;
      }
      case REPORT_CAPABILITIES:
        out = new byte[8];
        Cdb.put16(out, 0, 8);
        out[2] = 0x01; // PTPL_C; no SIP_C, no ATP_C, CRH 0
        out[3] = (byte) (0x80 | (pr.aptpl() ? 0x01 : 0)); // TMV, PTPL_A
        out[4] = (byte) (0x80 | 0x40 | 0x20 | 0x08 | 0x02); // WR_EX_AR EX_AC_RO WR_EX_RO EX_AC WR_EX
        out[5] = 0x01; // EX_AC_AR
        break;
      case READ_FULL_STATUS:
        out = fullStatus(pr);
        break;
      default:
        throw ScsiException.invalidCdbField(1, 4);
    }
    return t.dataIn(out, alloc);
  }

  private static byte[] fullStatus(PersistentReservations pr) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    PersistentReservations.Reservation r = pr.reservation();
    int gen = pr.generation();
    for (Map.Entry<ItNexus, Long> e : pr.registrations()) {
      ItNexus n = e.getKey();
      byte[] transportId = transportId(n);
      byte[] d = new byte[24 + transportId.length];
      Cdb.put64(d, 0, e.getValue());
      boolean holder = r != null && (r.allRegistrants() || n.equals(r.holder()));
      if (holder) {
        d[12] = 0x01; // R_HOLDER
        d[13] = (byte) r.type();
      }
      Cdb.put16(d, 18, InquiryCommand.relativePortId(n));
      Cdb.put32(d, 20, transportId.length);
      System.arraycopy(transportId, 0, d, 24, transportId.length);
      body.writeBytes(d);
    }
    byte[] out = new byte[8 + body.size()];
    Cdb.put32(out, 0, gen);
    Cdb.put32(out, 4, body.size());
    System.arraycopy(body.toByteArray(), 0, out, 8, body.size());
    return out;
  }

  /** iSCSI TransportID, format 01b: initiator port name {@code name,i,0xISID} (SPC-5 7.6.4.6). */
  static byte[] transportId(ItNexus n) {
    byte[] name = n.initiatorPortName().getBytes(StandardCharsets.UTF_8);
    int len = Math.max(20, (4 + name.length + 1 + 3) & ~3);
    byte[] id = new byte[len];
    id[0] = (byte) (0x40 | PROTOCOL_ISCSI);
    Cdb.put16(id, 2, len - 4);
    System.arraycopy(name, 0, id, 4, name.length);
    return id;
  }

  static ScsiResult out(ScsiTask t) {
    byte[] cdb = t.cdb;
    int sa = cdb[1] & 0x1F;
    int scope = (cdb[2] & 0xF0) >>> 4;
    int type = cdb[2] & 0x0F;
    long listLength = Cdb.u32(cdb, 5);
    t.transferLength = listLength;
    if (sa > REGISTER_AND_MOVE) {
      throw ScsiException.invalidCdbField(1, 4);
    }
    if (sa != REGISTER_AND_MOVE && listLength != 24) {
      throw ScsiException.parameterListLengthError();
    }
    if (sa == REGISTER_AND_MOVE && listLength < 24) {
      throw ScsiException.parameterListLengthError();
    }
    byte[] p = t.parameterList((int) Math.min(listLength, 1 << 16));
    if (p.length < 24) {
      throw ScsiException.parameterListLengthError();
    }
    long key = Cdb.u64(p, 0);
    long saKey = Cdb.u64(p, 8);
    boolean typeMatters = sa == RESERVE || sa == RELEASE || sa == PREEMPT
        || sa == PREEMPT_AND_ABORT || sa == REGISTER_AND_MOVE;
    if (typeMatters) {
      if (scope != 0) {
        throw ScsiException.invalidCdbField(2, 7);
      }
      if (!PersistentReservations.validType(type)) {
        throw ScsiException.invalidCdbField(2, 3);
      }
    }
    if (sa == REGISTER_AND_MOVE) {
      return registerAndMove(t, p, key, saKey);
    }
    int flags = p[20] & 0xFF;
    if ((flags & 0x08) != 0) {
      throw ScsiException.invalidParameterField(20, 3); // SPEC_I_PT not supported
    }
    if ((flags & 0x04) != 0) {
      throw ScsiException.invalidParameterField(20, 2); // ALL_TG_PT not supported
    }
    boolean aptpl = (flags & 0x01) != 0;
    PersistentReservations pr = t.lu.reservations;
    ItNexus nexus = t.nexus();
    switch (sa) {
      case REGISTER:
        pr.register(t.lu, nexus, key, saKey, false, aptpl);
        break;
      case REGISTER_AND_IGNORE:
        pr.register(t.lu, nexus, key, saKey, true, aptpl);
        break;
      case RESERVE:
        pr.reserve(nexus, key, type);
        break;
      case RELEASE:
        pr.release(t.lu, nexus, key, type);
        break;
      case CLEAR:
        pr.clear(t.lu, nexus, key);
        break;
      case PREEMPT:
        pr.preempt(t.lu, nexus, key, saKey, type);
        break;
      case PREEMPT_AND_ABORT:
        for (ItNexus gone : pr.preempt(t.lu, nexus, key, saKey, type)) {
          t.lu.abortTasksOf(gone);
        }
        break;
      default:
        throw ScsiException.invalidCdbField(1, 4);
    }
    return t.good();
  }

  /** REGISTER AND MOVE: its parameter list names the nexus the reservation moves to. */
  private static ScsiResult registerAndMove(ScsiTask t, byte[] p, long key, long saKey) {
    boolean unreg = (p[17] & 0x02) != 0;
    boolean aptpl = (p[17] & 0x01) != 0;
    int relativePort = Cdb.u16(p, 18);
    long idLength = Cdb.u32(p, 20);
    if (24 + idLength > p.length) {
      throw ScsiException.parameterListLengthError();
    }
    ItNexus target = parseTransportId(p, 24, (int) idLength, t.nexus(), relativePort);
    t.lu.reservations.registerAndMove(t.nexus(), key, saKey, target, unreg, aptpl);
    return t.good();
  }

  /** Decodes an iSCSI TransportID naming an initiator port (format 01b) into a nexus. */
  static ItNexus parseTransportId(byte[] p, int off, int len, ItNexus via, int relativePort) {
    if (len < 8 || (p[off] & 0x0F) != PROTOCOL_ISCSI) {
      throw ScsiException.invalidParameterField(off, -1);
    }
    if ((p[off] & 0xC0) != 0x40) {
      // Format 00b names only the initiator device: it does not identify an I_T nexus.
      throw ScsiException.invalidParameterField(off, 7);
    }
    int n = Math.min(len - 4, Cdb.u16(p, off + 2));
    int end = off + 4;
    while (end < off + 4 + n && p[end] != 0) {
      end++;
    }
    String s = new String(p, off + 4, end - off - 4, StandardCharsets.UTF_8);
    int sep = s.toLowerCase(java.util.Locale.ROOT).indexOf(",i,0x");
    if (sep <= 0) {
      throw ScsiException.invalidParameterField(off + 4, -1);
    }
    long isid;
    try {
      isid = Long.parseLong(s.substring(sep + 5), 16);
    } catch (NumberFormatException e) {
      throw ScsiException.invalidParameterField(off + 4, -1);
    }
    if (relativePort != InquiryCommand.relativePortId(via)) {
      throw ScsiException.invalidParameterField(18, -1);
    }
    return new ItNexus(s.substring(0, sep), isid, via.targetName(),
        via.targetPortalGroupTag());
  }
}
