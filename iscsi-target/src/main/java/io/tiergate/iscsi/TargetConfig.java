package io.tiergate.iscsi;

import io.tiergate.iscsi.auth.ChapCredentials;
import io.tiergate.iscsi.login.NegotiationLimits;
import io.tiergate.iscsi.spi.BlockDevice;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * What an {@link IscsiServer} starts with: targets (each an IQN with LUNs, an initiator allow
 * list and optional CHAP), discovery CHAP, the queue depth per session and the portal address
 * that discovery reports. Immutable; build with {@link #builder()}. The targets of a running
 * server can change afterwards ({@link IscsiServer#putTarget}, {@link
 * IscsiServer#removeTarget}); the other settings are fixed for its lifetime.
 */
public final class TargetConfig {

  /**
   * One target.
   *
   * @param iqn the target's iSCSI name
   * @param luns the devices behind its LUNs
   * @param allowedInitiators initiator IQNs allowed to log in; empty for any
   * @param chap CHAP the initiator must pass (and the target's mutual answer), or null
   */
  public record Target(String iqn, Map<Long, BlockDevice> luns, Set<String> allowedInitiators,
      ChapCredentials chap) {

    /** Validates and copies. */
    public Target {
      Objects.requireNonNull(iqn, "iqn");
      if (!iqn.startsWith("iqn.") && !iqn.startsWith("eui.") && !iqn.startsWith("naa.")) {
        throw new IllegalArgumentException("not an iSCSI name: " + iqn);
      }
      if (luns.isEmpty()) {
        throw new IllegalArgumentException("target " + iqn + " has no LUN");
      }
      luns = Collections.unmodifiableMap(new TreeMap<>(luns));
      allowedInitiators = Set.copyOf(allowedInitiators);
    }
  }

  private final List<Target> targets;
  private final ChapCredentials discoveryChap;
  private final int queueDepth;
  private final String portalAddress;
  private final int portalGroupTag;
  private final NegotiationLimits limits;
  private final int ioThreads;
  private final int eventLoopThreads;
  private final long nopIntervalMillis;
  private final long nopTimeoutMillis;

  private TargetConfig(Builder b) {
    if (b.targets.isEmpty()) {
      throw new IllegalArgumentException("no target configured");
    }
    Set<String> names = new LinkedHashSet<>();
    for (Target t : b.targets) {
      if (!names.add(t.iqn())) {
        throw new IllegalArgumentException("target " + t.iqn() + " configured twice");
      }
    }
    this.targets = List.copyOf(b.targets);
    this.discoveryChap = b.discoveryChap;
    this.queueDepth = b.queueDepth;
    this.portalAddress = b.portalAddress;
    this.portalGroupTag = b.portalGroupTag;
    this.limits = b.limits;
    this.ioThreads = b.ioThreads;
    this.eventLoopThreads = b.eventLoopThreads;
    this.nopIntervalMillis = b.nopIntervalMillis;
    this.nopTimeoutMillis = b.nopTimeoutMillis;
  }

  /** A builder with defaults: queue depth 128, portal group 1, NOP-In after 30 s of silence. */
  public static Builder builder() {
    return new Builder();
  }

  /** The targets, in discovery order. */
  public List<Target> targets() {
    return targets;
  }

  /** CHAP required for discovery sessions, or null. */
  public ChapCredentials discoveryChap() {
    return discoveryChap;
  }

  /** Commands in flight per session. */
  public int queueDepth() {
    return queueDepth;
  }

  /** {@code host:port} reported by SendTargets, or null for the address connected to. */
  public String portalAddress() {
    return portalAddress;
  }

  /** The portal group tag. */
  public int portalGroupTag() {
    return portalGroupTag;
  }

  /** The target's values for negotiated keys. */
  public NegotiationLimits limits() {
    return limits;
  }

  /** Threads that run SCSI commands against the block devices. */
  public int ioThreads() {
    return ioThreads;
  }

  /** Network event-loop threads; 0 for Netty's default. */
  public int eventLoopThreads() {
    return eventLoopThreads;
  }

  /** Silence after which a keepalive NOP-In is sent, 0 for never. */
  public long nopIntervalMillis() {
    return nopIntervalMillis;
  }

  /** How long an unanswered keepalive may stay so before the connection is closed. */
  public long nopTimeoutMillis() {
    return nopTimeoutMillis;
  }

  /** Builds a {@link TargetConfig}. */
  public static final class Builder {
    private final List<Target> targets = new ArrayList<>();
    private ChapCredentials discoveryChap;
    private int queueDepth = 128;
    private String portalAddress;
    private int portalGroupTag = 1;
    private NegotiationLimits limits = NegotiationLimits.defaults();
    private int ioThreads = Math.max(4, Runtime.getRuntime().availableProcessors());
    private int eventLoopThreads;
    private long nopIntervalMillis = 30_000;
    private long nopTimeoutMillis = 30_000;

    private Builder() {}

    /** Adds a target. */
    public Builder target(Target target) {
      targets.add(target);
      return this;
    }

    /** Adds a target with LUN 0 only, open to every initiator, with optional CHAP. */
    public Builder target(String iqn, BlockDevice lun0, ChapCredentials chap) {
      return target(new Target(iqn, Map.of(0L, lun0), Set.of(), chap));
    }

    /** Requires CHAP for discovery sessions. */
    public Builder discoveryChap(ChapCredentials chap) {
      this.discoveryChap = chap;
      return this;
    }

    /** Sets the commands in flight per session (the CmdSN window). */
    public Builder queueDepth(int depth) {
      if (depth < 1 || depth > 65536) {
        throw new IllegalArgumentException("queue depth out of range: " + depth);
      }
      this.queueDepth = depth;
      return this;
    }

    /** Sets the {@code host:port} that SendTargets reports. */
    public Builder portalAddress(String hostPort) {
      this.portalAddress = hostPort;
      return this;
    }

    /** Sets the portal group tag (1 to 65535). */
    public Builder portalGroupTag(int tag) {
      if (tag < 1 || tag > 65535) {
        throw new IllegalArgumentException("portal group tag out of range: " + tag);
      }
      this.portalGroupTag = tag;
      return this;
    }

    /** Sets the target's values for negotiated keys. */
    public Builder limits(NegotiationLimits limits) {
      this.limits = Objects.requireNonNull(limits);
      return this;
    }

    /** Sets the number of threads running SCSI commands. */
    public Builder ioThreads(int threads) {
      this.ioThreads = threads;
      return this;
    }

    /** Sets the number of network event-loop threads (0: Netty's default). */
    public Builder eventLoopThreads(int threads) {
      this.eventLoopThreads = threads;
      return this;
    }

    /** Sets the NOP-In keepalive interval and answer timeout; an interval of 0 disables it. */
    public Builder nopKeepalive(long intervalMillis, long timeoutMillis) {
      this.nopIntervalMillis = intervalMillis;
      this.nopTimeoutMillis = timeoutMillis;
      return this;
    }

    /** Builds the configuration. */
    public TargetConfig build() {
      return new TargetConfig(this);
    }
  }
}
