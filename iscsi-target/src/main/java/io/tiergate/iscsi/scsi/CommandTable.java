package io.tiergate.iscsi.scsi;

import io.tiergate.iscsi.scsi.PersistentReservations.Access;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one table from operation code (and service action) to handler, with what REPORT
 * SUPPORTED OPERATION CODES says about each command (CDB length and usage map) and how each
 * command meets reservations. Adding a command is adding a row here.
 */
final class CommandTable {

  /** One supported command. {@code serviceAction} is -1 for opcodes without service actions. */
  record Entry(int opcode, int serviceAction, String name, Access access, byte[] usage,
      CommandHandler handler) {
    int cdbLength() {
      return usage.length;
    }
  }

  /** Opcodes whose byte 1 carries a service action. */
  private static final int[] SERVICE_ACTION_OPCODES = {0x5E, 0x5F, 0x9E, 0xA3};

  private final Map<Integer, Entry> entries = new TreeMap<>();

  CommandTable(CommandHandler reportLuns, CommandHandler requestSense) {
    add(0x00, -1, "TEST UNIT READY", Access.ALLOWED, UnitCommands::testUnitReady,
        0x00, 0, 0, 0, 0, 0);
    add(0x03, -1, "REQUEST SENSE", Access.ALWAYS, requestSense, 0x03, 0x01, 0, 0, 0xFF, 0);
    add(0x08, -1, "READ(6)", Access.READ, ReadWriteCommands::read,
        0x08, 0x1F, 0xFF, 0xFF, 0xFF, 0);
    add(0x0A, -1, "WRITE(6)", Access.WRITE, ReadWriteCommands::write,
        0x0A, 0x1F, 0xFF, 0xFF, 0xFF, 0);
    add(0x12, -1, "INQUIRY", Access.ALWAYS, InquiryCommand::execute,
        0x12, 0x01, 0xFF, 0xFF, 0xFF, 0);
    add(0x15, -1, "MODE SELECT(6)", Access.WRITE, ModeCommands::modeSelect,
        0x15, 0x11, 0, 0, 0xFF, 0);
    add(0x16, -1, "RESERVE(6)", Access.ALWAYS, UnitCommands::reserve6, 0x16, 0x01, 0, 0, 0, 0);
    add(0x17, -1, "RELEASE(6)", Access.ALWAYS, UnitCommands::release6, 0x17, 0x01, 0, 0, 0, 0);
    add(0x1A, -1, "MODE SENSE(6)", Access.READ, ModeCommands::modeSense,
        0x1A, 0x08, 0xFF, 0xFF, 0xFF, 0);
    add(0x1B, -1, "START STOP UNIT", Access.ALLOWED, UnitCommands::startStopUnit,
        0x1B, 0x01, 0, 0x0F, 0xF7, 0);
    add(0x1E, -1, "PREVENT ALLOW MEDIUM REMOVAL", Access.ALLOWED, UnitCommands::preventAllow,
        0x1E, 0, 0, 0, 0x03, 0);
    add(0x25, -1, "READ CAPACITY(10)", Access.ALLOWED, UnitCommands::readCapacity10,
        0x25, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0x01, 0);
    add(0x28, -1, "READ(10)", Access.READ, ReadWriteCommands::read,
        0x28, 0xF8, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0xFF, 0xFF, 0);
    add(0x2A, -1, "WRITE(10)", Access.WRITE, ReadWriteCommands::write,
        0x2A, 0xF8, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0xFF, 0xFF, 0);
    add(0x2E, -1, "WRITE AND VERIFY(10)", Access.WRITE, ReadWriteCommands::writeAndVerify,
        0x2E, 0xF2, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0xFF, 0xFF, 0);
    add(0x2F, -1, "VERIFY(10)", Access.READ, ReadWriteCommands::verify,
        0x2F, 0xF6, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0xFF, 0xFF, 0);
    add(0x34, -1, "PRE-FETCH(10)", Access.READ, ReadWriteCommands::preFetch,
        0x34, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0xFF, 0xFF, 0);
    add(0x35, -1, "SYNCHRONIZE CACHE(10)", Access.WRITE, ReadWriteCommands::synchronizeCache,
        0x35, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0xFF, 0xFF, 0);
    add(0x37, -1, "READ DEFECT DATA(10)", Access.READ, ReadWriteCommands::readDefectData,
        0x37, 0, 0x1F, 0, 0, 0, 0, 0xFF, 0xFF, 0);
    add(0x41, -1, "WRITE SAME(10)", Access.WRITE, ProvisioningCommands::writeSame,
        0x41, 0xF8, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0xFF, 0xFF, 0);
    add(0x42, -1, "UNMAP", Access.WRITE, ProvisioningCommands::unmap,
        0x42, 0x01, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0);
    add(0x55, -1, "MODE SELECT(10)", Access.WRITE, ModeCommands::modeSelect,
        0x55, 0x11, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0);
    add(0x5A, -1, "MODE SENSE(10)", Access.READ, ModeCommands::modeSense,
        0x5A, 0x18, 0xFF, 0xFF, 0, 0, 0, 0xFF, 0xFF, 0);
    for (int sa = 0; sa <= 3; sa++) {
      add(0x5E, sa, "PERSISTENT RESERVE IN", Access.ALLOWED, PersistentReserveCommands::in,
          0x5E, sa, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0);
    }
    for (int sa = 0; sa <= 7; sa++) {
      add(0x5F, sa, "PERSISTENT RESERVE OUT", Access.ALLOWED, PersistentReserveCommands::out,
          0x5F, sa, 0xFF, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0);
    }
    add(0x88, -1, "READ(16)", Access.READ, ReadWriteCommands::read,
        0x88, 0xF8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0);
    add(0x89, -1, "COMPARE AND WRITE", Access.WRITE, ProvisioningCommands::compareAndWrite,
        0x89, 0xF8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0xFF, 0, 0);
    add(0x8A, -1, "WRITE(16)", Access.WRITE, ReadWriteCommands::write,
        0x8A, 0xF8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0);
    add(0x8B, -1, "ORWRITE(16)", Access.WRITE, ProvisioningCommands::orWrite,
        0x8B, 0xF8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0);
    add(0x8E, -1, "WRITE AND VERIFY(16)", Access.WRITE, ReadWriteCommands::writeAndVerify,
        0x8E, 0xF2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0);
    add(0x8F, -1, "VERIFY(16)", Access.READ, ReadWriteCommands::verify,
        0x8F, 0xF6, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0);
    add(0x90, -1, "PRE-FETCH(16)", Access.READ, ReadWriteCommands::preFetch,
        0x90, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0);
    add(0x91, -1, "SYNCHRONIZE CACHE(16)", Access.WRITE, ReadWriteCommands::synchronizeCache,
        0x91, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0);
    add(0x93, -1, "WRITE SAME(16)", Access.WRITE, ProvisioningCommands::writeSame,
        0x93, 0xF9, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0);
    add(0x9E, 0x10, "READ CAPACITY(16)", Access.ALLOWED, UnitCommands::readCapacity16,
        0x9E, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0);
    add(0x9E, 0x12, "GET LBA STATUS", Access.READ, ProvisioningCommands::getLbaStatus,
        0x9E, 0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0);
    add(0xA0, -1, "REPORT LUNS", Access.ALWAYS, reportLuns,
        0xA0, 0, 0xFF, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0);
    add(0xA3, 0x0C, "REPORT SUPPORTED OPERATION CODES", Access.ALWAYS, this::reportOpcodes,
        0xA3, 0x0C, 0x87, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0);
    add(0xA8, -1, "READ(12)", Access.READ, ReadWriteCommands::read,
        0xA8, 0xF8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0);
    add(0xAA, -1, "WRITE(12)", Access.WRITE, ReadWriteCommands::write,
        0xAA, 0xF8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0);
    add(0xAE, -1, "WRITE AND VERIFY(12)", Access.WRITE, ReadWriteCommands::writeAndVerify,
        0xAE, 0xF2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0);
    add(0xAF, -1, "VERIFY(12)", Access.READ, ReadWriteCommands::verify,
        0xAF, 0xF6, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0);
    add(0xB7, -1, "READ DEFECT DATA(12)", Access.READ, ReadWriteCommands::readDefectData,
        0xB7, 0x1F, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0);
  }

  private void add(int opcode, int sa, String name, Access access, CommandHandler handler,
      int... usage) {
    byte[] u = new byte[usage.length];
    for (int i = 0; i < usage.length; i++) {
      u[i] = (byte) usage[i];
    }
    entries.put(key(opcode, sa), new Entry(opcode, sa, name, access, u, handler));
  }

  private static int key(int opcode, int sa) {
    return (opcode << 16) | (sa & 0xFFFF);
  }

  static boolean hasServiceActions(int opcode) {
    for (int op : SERVICE_ACTION_OPCODES) {
      if (op == opcode) {
        return true;
      }
    }
    return false;
  }

  /** The entry for a CDB, or INVALID COMMAND OPERATION CODE / INVALID FIELD IN CDB. */
  Entry lookup(byte[] cdb) {
    int opcode = cdb[0] & 0xFF;
    if (hasServiceActions(opcode)) {
      Entry e = entries.get(key(opcode, cdb[1] & 0x1F));
      if (e == null) {
        if (entries.keySet().stream().anyMatch(k -> (k >>> 16) == opcode)) {
          throw ScsiException.invalidCdbField(1, 4);
        }
        throw ScsiException.invalidOpcode();
      }
      return e;
    }
    Entry e = entries.get(key(opcode, -1));
    if (e == null) {
      throw ScsiException.invalidOpcode();
    }
    return e;
  }

  List<Entry> entries() {
    return Collections.unmodifiableList(new ArrayList<>(entries.values()));
  }

  /** REPORT SUPPORTED OPERATION CODES (SPC-5 6.35): all commands, or one with its usage map. */
  ScsiResult reportOpcodes(ScsiTask t) {
    byte[] cdb = t.cdb;
    boolean rctd = (cdb[2] & 0x80) != 0;
    int options = cdb[2] & 0x07;
    int opcode = Cdb.u8(cdb, 3);
    int sa = Cdb.u16(cdb, 4);
    int alloc = (int) Math.min(Integer.MAX_VALUE, Cdb.u32(cdb, 6));
    t.transferLength = alloc;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    if (options == 0) {
      out.writeBytes(new byte[4]);
      for (Entry e : entries.values()) {
        byte[] d = new byte[8];
        d[0] = (byte) e.opcode();
        if (e.serviceAction() >= 0) {
          Cdb.put16(d, 2, e.serviceAction());
          d[5] = 0x01; // SERVACTV
        }
        if (rctd) {
          d[5] |= 0x02; // CTDP
        }
        Cdb.put16(d, 6, e.cdbLength());
        out.writeBytes(d);
        if (rctd) {
          out.writeBytes(timeouts());
        }
      }
      byte[] data = out.toByteArray();
      Cdb.put32(data, 0, data.length - 4);
      return t.dataIn(data, alloc);
    }
    Entry found;
    switch (options) {
      case 1:
        if (hasServiceActions(opcode)) {
          throw ScsiException.invalidCdbField(2, 2);
        }
        found = entries.get(key(opcode, -1));
        break;
      case 2:
        if (!hasServiceActions(opcode)) {
          throw ScsiException.invalidCdbField(2, 2);
        }
        found = entries.get(key(opcode, sa));
        break;
      case 3:
        found = hasServiceActions(opcode) ? entries.get(key(opcode, sa))
            : sa == 0 ? entries.get(key(opcode, -1)) : null;
        break;
      default:
        throw ScsiException.invalidCdbField(2, 2);
    }
    byte[] head = new byte[4];
    if (found == null) {
      head[1] = 0x01; // not supported
      out.writeBytes(head);
    } else {
      head[1] = (byte) ((rctd ? 0x80 : 0) | 0x03); // supported, as the standard says
      Cdb.put16(head, 2, found.cdbLength());
      out.writeBytes(head);
      out.writeBytes(found.usage());
      if (rctd) {
        out.writeBytes(timeouts());
      }
    }
    return t.dataIn(out.toByteArray(), alloc);
  }

  private static byte[] timeouts() {
    byte[] d = new byte[12];
    Cdb.put16(d, 0, 0x0A);
    Cdb.put32(d, 4, 30); // nominal seconds
    Cdb.put32(d, 8, 60); // recommended seconds
    return d;
  }
}
