package io.tiergate.iscsi.session;

import io.tiergate.iscsi.scsi.ItNexus;
import io.tiergate.iscsi.scsi.LogicalUnits;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The portal's normal sessions, by I_T nexus (initiator name, ISID, target). A login that
 * matches an existing session with TSIH 0 reinstates it (RFC 7143 section 6.3.5): the old
 * session is removed from the logical units and its connection closed before the new one is
 * added, so the SCSI layer sees the nexus leave once and come back once.
 */
final class SessionRegistry {
  private static final Logger log = LoggerFactory.getLogger(SessionRegistry.class);

  /** A registered session: the connection that carries it and the TSIH it was given. */
  static final class Handle {
    final ItNexus nexus;
    final int tsih;
    final IscsiConnection connection;
    final LogicalUnits units;

    Handle(ItNexus nexus, int tsih, IscsiConnection connection, LogicalUnits units) {
      this.nexus = nexus;
      this.tsih = tsih;
      this.connection = connection;
      this.units = units;
    }
  }

  private final ConcurrentHashMap<ItNexus, Handle> sessions = new ConcurrentHashMap<>();
  private final AtomicInteger nextTsih = new AtomicInteger(1);

  /** Registers a new session, reinstating (closing) any older one of the same nexus. */
  Handle register(ItNexus nexus, IscsiConnection connection, LogicalUnits units) {
    int tsih;
    do {
      tsih = nextTsih.getAndIncrement() & 0xffff;
    } while (tsih == 0);
    Handle handle = new Handle(nexus, tsih, connection, units);
    Handle old = sessions.put(nexus, handle);
    if (old != null) {
      log.info("reinstating session {} (TSIH {} replaced by {})", nexus.initiatorPortName(),
          old.tsih, tsih);
      old.units.nexusRemoved(old.nexus);
      old.connection.closeReinstated();
    }
    units.nexusAdded(nexus);
    return handle;
  }

  /** Removes a session when its connection closes, unless a newer login replaced it. */
  void unregister(Handle handle) {
    if (sessions.remove(handle.nexus, handle)) {
      handle.units.nexusRemoved(handle.nexus);
    }
  }

  /** Whether a session with this TSIH exists for this initiator. */
  boolean exists(String initiatorName, long isid, int tsih) {
    for (Handle h : sessions.values()) {
      if (h.tsih == tsih && h.nexus.isid() == isid
          && h.nexus.initiatorName().equals(initiatorName)) {
        return true;
      }
    }
    return false;
  }

  int size() {
    return sessions.size();
  }

  /** Sessions per target name; targets without sessions are absent. */
  Map<String, Integer> sizeByTarget() {
    Map<String, Integer> out = new HashMap<>();
    for (ItNexus n : sessions.keySet()) {
      out.merge(n.targetName(), 1, Integer::sum);
    }
    return out;
  }

  /** Sessions logged in to one target. */
  int size(String targetName) {
    int n = 0;
    for (ItNexus nexus : sessions.keySet()) {
      if (nexus.targetName().equals(targetName)) {
        n++;
      }
    }
    return n;
  }

  /** The sessions of one target whose initiator matches. */
  List<Handle> sessionsOf(String targetName, Predicate<String> initiator) {
    List<Handle> out = new ArrayList<>();
    for (Handle h : sessions.values()) {
      if (h.nexus.targetName().equals(targetName) && initiator.test(h.nexus.initiatorName())) {
        out.add(h);
      }
    }
    return out;
  }
}
