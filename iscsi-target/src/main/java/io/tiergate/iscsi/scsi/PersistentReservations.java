package io.tiergate.iscsi.scsi;

import io.tiergate.iscsi.spi.BlockDevice;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persistent reservation state of one logical unit (SPC-5 5.14): the registrations (I_T nexus
 * to reservation key), the reservation (holder and type) and the PRgeneration counter.
 *
 * <p>Every change is saved through {@link BlockDevice#saveReservations} before the command that
 * made it completes, so a restart of the target keeps registrations and reservation. The saved
 * form is versioned: a leading format byte, then the fields in a fixed order (see
 * {@link #serialise()}).
 *
 * <p>Concurrency: all methods are synchronised; the access check on the I/O path reads a
 * volatile snapshot of the reservation so that reads and writes never take this lock.
 */
final class PersistentReservations {

  private static final Logger LOG = LoggerFactory.getLogger(PersistentReservations.class);

  /** Format of the saved state; bump when the layout changes and keep reading old ones. */
  static final int FORMAT_V1 = 1;

  static final int WRITE_EXCLUSIVE = 1;
  static final int EXCLUSIVE_ACCESS = 3;
  static final int WRITE_EXCLUSIVE_REGISTRANTS_ONLY = 5;
  static final int EXCLUSIVE_ACCESS_REGISTRANTS_ONLY = 6;
  static final int WRITE_EXCLUSIVE_ALL_REGISTRANTS = 7;
  static final int EXCLUSIVE_ACCESS_ALL_REGISTRANTS = 8;

  /** What a command does to the medium, for the conflict rules of SPC-5 tables 63-64. */
  enum Access {
    /** Never conflicts with any reservation (INQUIRY, REPORT LUNS, ...). */
    ALWAYS,
    /** Allowed under persistent reservations; conflicts with another's RESERVE(6). */
    ALLOWED,
    /** Reads: allowed under write-exclusive types, conflicts under exclusive-access types. */
    READ,
    /** Writes and other changes: conflicts unless the nexus has access. */
    WRITE
  }

  /** An immutable view of the reservation, read without locking on the I/O path. */
  record Reservation(ItNexus holder, int type) {
    boolean allRegistrants() {
      return type == WRITE_EXCLUSIVE_ALL_REGISTRANTS || type == EXCLUSIVE_ACCESS_ALL_REGISTRANTS;
    }

    boolean registrantsOnly() {
      return type == WRITE_EXCLUSIVE_REGISTRANTS_ONLY
          || type == EXCLUSIVE_ACCESS_REGISTRANTS_ONLY;
    }

    boolean writeExclusive() {
      return type == WRITE_EXCLUSIVE || type == WRITE_EXCLUSIVE_REGISTRANTS_ONLY
          || type == WRITE_EXCLUSIVE_ALL_REGISTRANTS;
    }
  }

  private final BlockDevice device;
  private final Map<ItNexus, Long> registrations = new LinkedHashMap<>();
  private volatile Reservation reservation;
  private volatile Map<ItNexus, Long> registrationSnapshot = Map.of();
  private int generation;
  private boolean aptpl;

  PersistentReservations(BlockDevice device) {
    this.device = device;
    byte[] saved = device.loadReservations();
    if (saved != null && saved.length > 0) {
      try {
        deserialise(saved);
      } catch (RuntimeException e) {
        LOG.warn("ignoring unreadable saved reservation state ({} bytes): {}", saved.length,
            e.toString());
        registrations.clear();
        reservation = null;
      }
      registrationSnapshot = Map.copyOf(registrations);
    }
  }

  static boolean validType(int type) {
    return type == WRITE_EXCLUSIVE || type == EXCLUSIVE_ACCESS
        || (type >= WRITE_EXCLUSIVE_REGISTRANTS_ONLY && type <= EXCLUSIVE_ACCESS_ALL_REGISTRANTS);
  }

  /** Throws RESERVATION CONFLICT when {@code nexus} may not run a command of this access. */
  void checkAccess(ItNexus nexus, Access access) {
    Reservation r = reservation;
    if (r == null || access == Access.ALWAYS || access == Access.ALLOWED) {
      return;
    }
    if (nexus.equals(r.holder())) {
      return;
    }
    if ((r.allRegistrants() || r.registrantsOnly()) && registrationSnapshot.containsKey(nexus)) {
      return;
    }
    if (access == Access.READ && r.writeExclusive()) {
      return;
    }
    throw ScsiException.reservationConflict();
  }

  synchronized boolean hasRegistrations() {
    return !registrations.isEmpty();
  }

  Reservation reservation() {
    return reservation;
  }

  synchronized int generation() {
    return generation;
  }

  synchronized boolean aptpl() {
    return aptpl;
  }

  /** Registrations in order, as (nexus, key) pairs. */
  synchronized List<Map.Entry<ItNexus, Long>> registrations() {
    return new ArrayList<>(registrations.entrySet());
  }

  /** True when {@code nexus} is a reservation holder (every registrant for all-registrants types). */
  synchronized boolean isHolder(ItNexus nexus) {
    Reservation r = reservation;
    if (r == null) {
      return false;
    }
    return r.allRegistrants() ? registrations.containsKey(nexus) : nexus.equals(r.holder());
  }

  // ---- PERSISTENT RESERVE OUT service actions; each returns the nexuses whose tasks to abort.

  synchronized void register(LogicalUnit lu, ItNexus nexus, long key, long saKey,
      boolean ignoreExisting, boolean aptplBit) {
    Long current = registrations.get(nexus);
    if (current == null) {
      if (!ignoreExisting && key != 0) {
        throw ScsiException.reservationConflict();
      }
      if (saKey == 0) {
        return;
      }
      registrations.put(nexus, saKey);
    } else {
      if (!ignoreExisting && current != key) {
        throw ScsiException.reservationConflict();
      }
      if (saKey == 0) {
        unregister(lu, nexus);
      } else {
        registrations.put(nexus, saKey);
      }
    }
    aptpl = aptplBit;
    generation++;
    save();
  }

  private void unregister(LogicalUnit lu, ItNexus nexus) {
    registrations.remove(nexus);
    Reservation r = reservation;
    if (r == null) {
      return;
    }
    if (r.allRegistrants()) {
      if (registrations.isEmpty()) {
        reservation = null;
      }
    } else if (nexus.equals(r.holder())) {
      reservation = null;
      if (r.registrantsOnly()) {
        for (ItNexus other : registrations.keySet()) {
          lu.raise(other, LogicalUnit.UA_RESERVATIONS_RELEASED);
        }
      }
    }
  }

  synchronized void reserve(ItNexus nexus, long key, int type) {
    requireRegistered(nexus, key);
    Reservation r = reservation;
    if (r == null) {
      reservation = new Reservation(isAllRegistrants(type) ? null : nexus, type);
      save();
      return;
    }
    boolean holder = r.allRegistrants() || nexus.equals(r.holder());
    if (holder && r.type() == type) {
      return;
    }
    throw ScsiException.reservationConflict();
  }

  private static boolean isAllRegistrants(int type) {
    return type == WRITE_EXCLUSIVE_ALL_REGISTRANTS || type == EXCLUSIVE_ACCESS_ALL_REGISTRANTS;
  }

  synchronized void release(LogicalUnit lu, ItNexus nexus, long key, int type) {
    requireRegistered(nexus, key);
    Reservation r = reservation;
    if (r == null) {
      return;
    }
    boolean holder = r.allRegistrants() || nexus.equals(r.holder());
    if (!holder) {
      return;
    }
    if (r.type() != type) {
      throw ScsiException.check(Sense.ILLEGAL_REQUEST, 0x26, 0x04);
    }
    reservation = null;
    if (r.type() != WRITE_EXCLUSIVE && r.type() != EXCLUSIVE_ACCESS) {
      for (ItNexus other : registrations.keySet()) {
        if (!other.equals(nexus)) {
          lu.raise(other, LogicalUnit.UA_RESERVATIONS_RELEASED);
        }
      }
    }
    save();
  }

  synchronized void clear(LogicalUnit lu, ItNexus nexus, long key) {
    requireRegistered(nexus, key);
    for (ItNexus other : registrations.keySet()) {
      if (!other.equals(nexus)) {
        lu.raise(other, LogicalUnit.UA_RESERVATIONS_PREEMPTED);
      }
    }
    registrations.clear();
    reservation = null;
    generation++;
    save();
  }

  /** PREEMPT (and ABORT): returns the nexuses whose registrations were removed. */
  synchronized List<ItNexus> preempt(LogicalUnit lu, ItNexus nexus, long key, long saKey,
      int type) {
    requireRegistered(nexus, key);
    Reservation r = reservation;
    List<ItNexus> removed = new ArrayList<>();
    if (r != null && r.allRegistrants() && saKey == 0) {
      // Preempting an all-registrants reservation: everyone else goes, this nexus holds it.
      for (ItNexus other : new ArrayList<>(registrations.keySet())) {
        if (!other.equals(nexus)) {
          registrations.remove(other);
          removed.add(other);
        }
      }
      reservation = new Reservation(isAllRegistrants(type) ? null : nexus, type);
    } else if (r != null && !r.allRegistrants() && saKey == registrations.getOrDefault(
        r.holder(), Long.MIN_VALUE) && saKey != 0) {
      removeWithKey(saKey, nexus, removed);
      boolean changed = r.type() != type;
      reservation = new Reservation(isAllRegistrants(type) ? null : nexus, type);
      if (changed) {
        for (ItNexus other : registrations.keySet()) {
          if (!other.equals(nexus)) {
            lu.raise(other, LogicalUnit.UA_RESERVATIONS_RELEASED);
          }
        }
      }
    } else {
      if (saKey == 0) {
        throw ScsiException.invalidParameterField(8, -1);
      }
      removeWithKey(saKey, nexus, removed);
      if (removed.isEmpty()) {
        throw ScsiException.reservationConflict();
      }
    }
    for (ItNexus gone : removed) {
      lu.raise(gone, LogicalUnit.UA_REGISTRATIONS_PREEMPTED);
    }
    generation++;
    save();
    return removed;
  }

  private void removeWithKey(long saKey, ItNexus except, List<ItNexus> removed) {
    for (Map.Entry<ItNexus, Long> e : new ArrayList<>(registrations.entrySet())) {
      if (e.getValue() == saKey && !e.getKey().equals(except)) {
        registrations.remove(e.getKey());
        removed.add(e.getKey());
      }
    }
    // The preempting nexus itself may carry the key; it keeps its registration.
  }

  synchronized void registerAndMove(ItNexus nexus, long key, long saKey, ItNexus target,
      boolean unreg, boolean aptplBit) {
    requireRegistered(nexus, key);
    Reservation r = reservation;
    if (r == null || r.allRegistrants() || !nexus.equals(r.holder())) {
      throw ScsiException.reservationConflict();
    }
    if (saKey == 0) {
      throw ScsiException.invalidParameterField(8, -1);
    }
    if (target.equals(nexus)) {
      throw ScsiException.invalidParameterField(24, -1);
    }
    registrations.put(target, saKey);
    reservation = new Reservation(target, r.type());
    if (unreg) {
      registrations.remove(nexus);
    }
    aptpl = aptplBit;
    generation++;
    save();
  }

  private void requireRegistered(ItNexus nexus, long key) {
    Long current = registrations.get(nexus);
    if (current == null || current != key) {
      throw ScsiException.reservationConflict();
    }
  }

  private void save() {
    registrationSnapshot = Map.copyOf(registrations);
    device.saveReservations(serialise());
  }

  /**
   * The saved form, format 1: format byte; generation (int); APTPL (byte); reservation type
   * (byte, 0 for none); index of the holder among the registrations (int, -1 for none or for
   * all-registrants types); registration count (int); per registration the key (long),
   * initiator name (UTF), ISID (long), target name (UTF) and portal group tag (int).
   */
  synchronized byte[] serialise() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT_V1);
      out.writeInt(generation);
      out.writeByte(aptpl ? 1 : 0);
      Reservation r = reservation;
      out.writeByte(r == null ? 0 : r.type());
      int holderIndex = -1;
      int i = 0;
      for (ItNexus n : registrations.keySet()) {
        if (r != null && n.equals(r.holder())) {
          holderIndex = i;
        }
        i++;
      }
      out.writeInt(holderIndex);
      out.writeInt(registrations.size());
      for (Map.Entry<ItNexus, Long> e : registrations.entrySet()) {
        ItNexus n = e.getKey();
        out.writeLong(e.getValue());
        out.writeUTF(n.initiatorName());
        out.writeLong(n.isid());
        out.writeUTF(n.targetName());
        out.writeInt(n.targetPortalGroupTag());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private void deserialise(byte[] saved) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(saved))) {
      int format = in.readUnsignedByte();
      if (format != FORMAT_V1) {
        throw new IllegalStateException("unknown reservation state format " + format);
      }
      generation = in.readInt();
      aptpl = in.readByte() != 0;
      int type = in.readUnsignedByte();
      int holderIndex = in.readInt();
      int count = in.readInt();
      if (count < 0 || count > 65536) {
        throw new IllegalStateException("bad registration count " + count);
      }
      List<ItNexus> order = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        long key = in.readLong();
        ItNexus n = new ItNexus(in.readUTF(), in.readLong(), in.readUTF(), in.readInt());
        registrations.put(n, key);
        order.add(n);
      }
      if (type != 0) {
        ItNexus holder = holderIndex >= 0 && holderIndex < order.size()
            ? order.get(holderIndex) : null;
        reservation = new Reservation(holder, type);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
