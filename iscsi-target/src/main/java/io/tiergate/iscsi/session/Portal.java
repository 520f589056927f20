package io.tiergate.iscsi.session;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.concurrent.Future;
import io.tiergate.iscsi.login.LoginStatus;
import io.tiergate.iscsi.login.NegotiationLimits;
import io.tiergate.iscsi.login.SessionParameters;
import io.tiergate.iscsi.login.TargetDirectory;
import io.tiergate.iscsi.pdu.PduDecoder;
import io.tiergate.iscsi.pdu.PduEncoder;
import io.tiergate.iscsi.scsi.ItNexus;
import io.tiergate.iscsi.scsi.LogicalUnits;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session layer of one network portal: builds the pipeline of every accepted connection
 * and holds what connections share (the session registry, the targets' logical units).
 *
 * <p>Pipeline, from the socket inwards: flush consolidation (many small responses, few
 * syscalls), {@link PduDecoder} / {@link PduEncoder}, then, once in full feature phase, the NOP
 * keepalive watcher, then the connection handler.
 *
 * <p>The set of targets may change while connections are open: {@link #putUnits} and {@link
 * #removeUnits} change which logical units a login reaches, {@link #closeSessions} ends the
 * sessions of one target. A login checks, after registering its session, that its target
 * still serves the same units to it; a change racing with a login therefore either sees the
 * session in its sweep or makes the login fail.
 */
public final class Portal {
  private static final Logger log = LoggerFactory.getLogger(Portal.class);

  /** Told of every login that ends in a failure status. */
  @FunctionalInterface
  public interface LoginFailureSink {
    /**
     * A login failed.
     *
     * @param status the Login Response status, class &lt;&lt; 8 | detail ({@code LoginStatus})
     * @param initiatorName the InitiatorName offered, or null
     * @param targetName the TargetName offered, or null (discovery, or not offered)
     * @param peer the initiator's address
     */
    void loginFailed(int status, String initiatorName, String targetName, String peer);
  }

  private final TargetDirectory directory;
  private final Map<String, LogicalUnits> units;
  private final NegotiationLimits limits;
  private final int queueDepth;
  private final long nopIntervalMillis;
  private final long nopTimeoutMillis;
  private final int maxTransferLength;
  /**
   * Logins that may be in progress at once on the portal. Each is bounded on its own (see
   * {@code LoginNegotiator}: 64 KiB of text, 30 s), but before authentication nothing bounds
   * how many connections one peer opens; this caps what they hold together at about 32 MiB of
   * gathered text. A real login takes milliseconds, so hundreds at once only happen under a
   * flood; one past the cap is answered "service unavailable", which initiators retry.
   */
  static final int MAX_LOGINS_IN_PROGRESS = 512;
  /**
   * Logins one initiator address may have in progress at once, so that one host flooding the
   * portal cannot take every slot from the others. A host that logs in to many targets over
   * many paths at boot still has room (32 sessions at once is a big host).
   */
  static final int MAX_LOGINS_PER_ADDRESS = 64;
  private static final long CAP_WARNING_INTERVAL_NANOS = 60_000_000_000L;

  private final SessionRegistry registry = new SessionRegistry();
  private final AtomicInteger loginsInProgress = new AtomicInteger();
  private final Map<Object, Integer> loginsByAddress = new ConcurrentHashMap<>();
  private volatile int maxLoginsInProgress = MAX_LOGINS_IN_PROGRESS;
  private volatile int maxLoginsPerAddress = MAX_LOGINS_PER_ADDRESS;
  private final AtomicLong lastCapWarning = new AtomicLong(System.nanoTime()
      - CAP_WARNING_INTERVAL_NANOS);
  private final AtomicInteger discoveryTsih = new AtomicInteger(0x8000);
  private volatile LoginFailureSink loginFailures = (status, initiator, target, peer) -> { };

  /**
   * A portal.
   *
   * @param directory the targets, for login and discovery
   * @param units each target's logical units, by target name
   * @param limits the target's values for negotiated keys
   * @param queueDepth commands in flight per session (the CmdSN window)
   * @param nopIntervalMillis silence after which a keepalive NOP-In is sent; 0 for none
   * @param nopTimeoutMillis how long to wait for its answer before closing
   * @param maxTransferLength the largest ExpectedDataTransferLength a write may have
   */
  public Portal(TargetDirectory directory, Map<String, LogicalUnits> units,
      NegotiationLimits limits, int queueDepth, long nopIntervalMillis, long nopTimeoutMillis,
      int maxTransferLength) {
    if (queueDepth < 1) {
      throw new IllegalArgumentException("queue depth must be at least 1");
    }
    this.directory = directory;
    this.units = new ConcurrentHashMap<>(units);
    this.limits = limits;
    this.queueDepth = queueDepth;
    this.nopIntervalMillis = nopIntervalMillis;
    this.nopTimeoutMillis = nopTimeoutMillis;
    this.maxTransferLength = maxTransferLength;
  }

  /** Installs the iSCSI handlers on a newly accepted connection. */
  public void initChannel(Channel channel) {
    ChannelPipeline p = channel.pipeline();
    p.addLast("flush", new FlushConsolidationHandler(64, true));
    p.addLast("decoder", new PduDecoder(8192));
    p.addLast("encoder", new PduEncoder());
    p.addLast("connection", new IscsiConnection(this));
  }

  /**
   * Switches a connection's pipeline to full feature phase once its final Login Response has
   * been encoded: CRC32C digests as agreed, the data segment limit the target declared, and the
   * NOP keepalive watcher just before the connection handler.
   */
  void enterFullFeature(ChannelPipeline p, String connectionHandler, SessionParameters params) {
    p.get(PduEncoder.class).setDigests(params.headerDigest(), params.dataDigest());
    PduDecoder decoder = p.get(PduDecoder.class);
    decoder.setDigests(params.headerDigest(), params.dataDigest());
    decoder.setMaxDataSegmentLength(params.targetMaxRecvDataSegmentLength());
    if (nopIntervalMillis > 0) {
      p.addBefore(connectionHandler, "keepalive",
          new NopKeepaliveHandler(nopIntervalMillis, nopTimeoutMillis));
    }
  }

  /** Normal sessions currently logged in. */
  public int sessionCount() {
    return registry.size();
  }

  /** Sessions per target name; targets without sessions are absent. */
  public Map<String, Integer> sessionsByTarget() {
    return registry.sizeByTarget();
  }

  /** Normal sessions logged in to one target. */
  public int sessionCount(String targetName) {
    return registry.size(targetName);
  }

  /** Where failed logins are reported from now on. */
  public void loginFailures(LoginFailureSink sink) {
    this.loginFailures = sink;
  }

  /** Makes a target's logical units reachable by new logins; returns the previous ones. */
  public LogicalUnits putUnits(String targetName, LogicalUnits targetUnits) {
    return units.put(targetName, targetUnits);
  }

  /** Makes a target unreachable by new logins; returns its logical units, or null. */
  public LogicalUnits removeUnits(String targetName) {
    return units.remove(targetName);
  }

  /**
   * Closes the connections of the sessions on one target whose initiator matches; returns
   * their close futures. Other targets' sessions are not touched.
   */
  public List<Future<Void>> closeSessions(String targetName,
      Predicate<String> initiator) {
    List<Future<Void>> closed = new ArrayList<>();
    for (SessionRegistry.Handle h : registry.sessionsOf(targetName, initiator)) {
      closed.add(h.connection.closeForTargetChange());
    }
    return closed;
  }

  /**
   * Where a login that negotiated its way to full feature phase lands.
   *
   * @param status SUCCESS, or the Login Response status that refuses it
   * @param tsih the session's TSIH (meaningful on success)
   * @param session its registration (normal sessions), or null
   * @param units the logical units it reaches (normal sessions), or null
   * @param nexus its I_T nexus (normal sessions), or null
   */
  record Admission(int status, int tsih, SessionRegistry.Handle session, LogicalUnits units,
      ItNexus nexus) {
    static Admission refused(int status) {
      return new Admission(status, 0, null, null, null);
    }
  }

  /**
   * Admits a session whose login finished negotiating: a discovery session gets a TSIH, a
   * normal one is registered with its target's logical units (reinstating an older session of
   * the same initiator and ISID).
   *
   * @param isid the login's ISID
   * @param tsih the TSIH the login asked for (0 for a new session)
   */
  Admission admit(SessionParameters params, long isid, int tsih, IscsiConnection connection) {
    if (tsih != 0) {
      // Adding or reinstating a connection of an existing session: MaxConnections is 1 and
      // error recovery level 0, so there is nothing to add it to.
      return Admission.refused(registry.exists(params.initiatorName(), isid, tsih)
          ? LoginStatus.TOO_MANY_CONNECTIONS : LoginStatus.SESSION_DOES_NOT_EXIST);
    }
    if (params.discovery()) {
      return new Admission(LoginStatus.SUCCESS, nextDiscoveryTsih(), null, null, null);
    }
    LogicalUnits targetUnits = units.get(params.targetName());
    if (targetUnits == null) {
      return Admission.refused(LoginStatus.NOT_FOUND);
    }
    ItNexus nexus = new ItNexus(params.initiatorName(), isid, params.targetName(),
        directory.portalGroupTag());
    SessionRegistry.Handle session = registry.register(nexus, connection, targetUnits);
    if (!stillServes(params.targetName(), targetUnits, params.initiatorName())) {
      // The target was removed or its access changed while this login ran.
      registry.unregister(session);
      return Admission.refused(LoginStatus.NOT_FOUND);
    }
    return new Admission(LoginStatus.SUCCESS, session.tsih, session, targetUnits, nexus);
  }

  /**
   * Takes a slot for a connection's login; false when {@link #MAX_LOGINS_IN_PROGRESS} are in
   * progress already, or {@link #MAX_LOGINS_PER_ADDRESS} from the same address. A true answer
   * is paired with one {@link #loginEnded} for the same peer.
   */
  boolean startLogin(SocketAddress peer) {
    Object address = addressOf(peer);
    if (loginsInProgress.incrementAndGet() > maxLoginsInProgress) {
      loginsInProgress.decrementAndGet();
      warnCapReached("logins in progress at once", maxLoginsInProgress);
      return false;
    }
    if (loginsByAddress.merge(address, 1, Integer::sum) > maxLoginsPerAddress) {
      loginEnded(peer);
      warnCapReached("logins in progress from " + address, maxLoginsPerAddress);
      return false;
    }
    return true;
  }

  /** Gives back a slot taken by {@link #startLogin}. */
  void loginEnded(SocketAddress peer) {
    loginsByAddress.computeIfPresent(addressOf(peer), (a, n) -> n == 1 ? null : n - 1);
    loginsInProgress.decrementAndGet();
  }

  private static Object addressOf(SocketAddress peer) {
    return peer instanceof InetSocketAddress inet && inet.getAddress() != null
        ? inet.getAddress() : String.valueOf(peer);
  }

  private void warnCapReached(String what, int cap) {
    long now = System.nanoTime();
    long last = lastCapWarning.get();
    if (now - last >= CAP_WARNING_INTERVAL_NANOS && lastCapWarning.compareAndSet(last, now)) {
      // Once a minute at most: a flood must not become a flood of log lines.
      log.warn("{} {}: refusing more until some end", cap, what);
    }
  }

  /** Logins in progress now. */
  int loginsInProgress() {
    return loginsInProgress.get();
  }

  /** Changes the caps on logins in progress (tests use small ones). */
  void maxLoginsInProgress(int max, int perAddress) {
    this.maxLoginsInProgress = max;
    this.maxLoginsPerAddress = perAddress;
  }

  /** Whether a session just registered may stay: its target still serves it these units. */
  private boolean stillServes(String targetName, LogicalUnits loggedIn, String initiatorName) {
    TargetDirectory.Entry e = directory.target(targetName);
    return units.get(targetName) == loggedIn && e != null && e.allows(initiatorName);
  }

  void loginFailed(int status, String initiatorName, String targetName, String peer) {
    try {
      loginFailures.loginFailed(status, initiatorName, targetName, peer);
    } catch (RuntimeException e) {
      // A listener's bug must not cost the event loop; the failure is answered anyway.
      log.warn("login failure listener failed", e);
    }
  }

  TargetDirectory directory() {
    return directory;
  }

  NegotiationLimits limits() {
    return limits;
  }

  int queueDepth() {
    return queueDepth;
  }

  int maxTransferLength() {
    return maxTransferLength;
  }

  SessionRegistry registry() {
    return registry;
  }

  private int nextDiscoveryTsih() {
    int t = discoveryTsih.getAndIncrement() & 0xffff;
    return t == 0 ? 1 : t;
  }
}
