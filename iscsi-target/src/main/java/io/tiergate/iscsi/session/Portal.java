package io.tiergate.iscsi.session;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.tiergate.iscsi.login.NegotiationLimits;
import io.tiergate.iscsi.login.TargetDirectory;
import io.tiergate.iscsi.pdu.PduDecoder;
import io.tiergate.iscsi.pdu.PduEncoder;
import io.tiergate.iscsi.scsi.LogicalUnits;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The session layer of one network portal: builds the pipeline of every accepted connection
 * and holds what connections share (the session registry, the targets' logical units).
 *
 * <p>Pipeline, from the socket inwards: flush consolidation (many small responses, few
 * syscalls), {@link PduDecoder} / {@link PduEncoder}, then, once in full feature phase, the NOP
 * keepalive watcher, then the connection handler.
 */
public final class Portal {
  private final TargetDirectory directory;
  private final Map<String, LogicalUnits> units;
  private final NegotiationLimits limits;
  private final int queueDepth;
  private final long nopIntervalMillis;
  private final long nopTimeoutMillis;
  private final int maxTransferLength;
  private final SessionRegistry registry = new SessionRegistry();
  private final AtomicInteger discoveryTsih = new AtomicInteger(0x8000);

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
    this.units = Map.copyOf(units);
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

  /** Normal sessions currently logged in. */
  public int sessionCount() {
    return registry.size();
  }

  TargetDirectory directory() {
    return directory;
  }

  NegotiationLimits limits() {
    return limits;
  }

  LogicalUnits units(String targetName) {
    return units.get(targetName);
  }

  int queueDepth() {
    return queueDepth;
  }

  long nopIntervalMillis() {
    return nopIntervalMillis;
  }

  long nopTimeoutMillis() {
    return nopTimeoutMillis;
  }

  int maxTransferLength() {
    return maxTransferLength;
  }

  SessionRegistry registry() {
    return registry;
  }

  int nextDiscoveryTsih() {
    int t = discoveryTsih.getAndIncrement() & 0xffff;
    return t == 0 ? 1 : t;
  }
}
