package io.tiergate.iscsi;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import io.tiergate.iscsi.auth.ChapCredentials;
import io.tiergate.iscsi.login.TargetDirectory;
import io.tiergate.iscsi.scsi.BlockDeviceLogicalUnits;
import io.tiergate.iscsi.scsi.LogicalUnits;
import io.tiergate.iscsi.session.Portal;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An iSCSI target listening on one TCP portal, serving the targets of a {@link TargetConfig}
 * to any number of sessions.
 *
 * <pre>{@code
 * try (IscsiServer server = IscsiServer.start(config, "127.0.0.1", 0)) {
 *   int port = server.port();
 *   ...
 * }
 * }</pre>
 *
 * <p>Targets can be added, replaced and removed while serving ({@link #putTarget}, {@link
 * #removeTarget}); those calls are thread-safe and touch only the sessions of the target
 * concerned. Refused logins are counted ({@link #loginFailures()}) and reported to an optional
 * {@link LoginFailure.Listener}.
 *
 * <p>Threads: one acceptor, a few network event loops (PDU codec and session state), and an
 * I/O pool on which SCSI commands run against the block devices. Closing stops accepting,
 * closes every connection and waits for the threads; the block devices stay open (the caller
 * owns them).
 */
public final class IscsiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(IscsiServer.class);
  private static final int MAX_TRANSFER_LENGTH = 64 * 1024 * 1024;

  /** How long a target change waits for the connections it closes. */
  private static final long CLOSE_WAIT_SECONDS = 10;

  private final EventLoopGroup acceptor;
  private final EventLoopGroup workers;
  private final ExecutorService io;
  private final Channel listener;
  private final Portal portal;
  private final Directory directory;
  private final AtomicLong loginFailures;
  /** The targets served, in discovery order; guarded by {@code this}. */
  private final Map<String, TargetConfig.Target> targets = new LinkedHashMap<>();

  private IscsiServer(EventLoopGroup acceptor, EventLoopGroup workers, ExecutorService io,
      Channel listener, Portal portal, Directory directory, AtomicLong loginFailures,
      TargetConfig config) {
    this.acceptor = acceptor;
    this.workers = workers;
    this.io = io;
    this.listener = listener;
    this.portal = portal;
    this.directory = directory;
    this.loginFailures = loginFailures;
    for (TargetConfig.Target t : config.targets()) {
      targets.put(t.iqn(), t);
    }
  }

  /**
   * Starts serving on {@code host:port}; port 0 picks a free one ({@link #port()}).
   *
   * @throws IllegalStateException when the address cannot be bound
   */
  public static IscsiServer start(TargetConfig config, String host, int port) {
    return start(config, host, port, null);
  }

  /**
   * Starts serving on {@code host:port}, telling {@code failures} (may be null) of every
   * refused login.
   *
   * @throws IllegalStateException when the address cannot be bound
   */
  public static IscsiServer start(TargetConfig config, String host, int port,
      LoginFailure.Listener failures) {
    ExecutorService io = Executors.newFixedThreadPool(config.ioThreads(),
        new DefaultThreadFactory("iscsi-io", true));
    Map<String, LogicalUnits> units = new LinkedHashMap<>();
    for (TargetConfig.Target t : config.targets()) {
      units.put(t.iqn(), new BlockDeviceLogicalUnits(t.luns(), io));
    }
    Directory directory = new Directory(config);
    Portal portal = new Portal(directory, units, config.limits(),
        config.queueDepth(), config.nopIntervalMillis(), config.nopTimeoutMillis(),
        MAX_TRANSFER_LENGTH);
    AtomicLong failureCount = new AtomicLong();
    portal.loginFailures((status, initiator, target, peer) -> {
      failureCount.incrementAndGet();
      if (failures != null) {
        failures.loginFailed(new LoginFailure(LoginFailure.Reason.of(status), status, initiator,
            target, peer));
      }
    });
    boolean epoll = Epoll.isAvailable();
    EventLoopGroup acceptor = new MultiThreadIoEventLoopGroup(1,
        new DefaultThreadFactory("iscsi-accept", true), ioHandler(epoll));
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(config.eventLoopThreads(),
        new DefaultThreadFactory("iscsi-net", true), ioHandler(epoll));
    Class<? extends ServerChannel> channelType =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    try {
      Channel listener = new ServerBootstrap()
          .group(acceptor, workers)
          .channel(channelType)
          .option(ChannelOption.SO_BACKLOG, 256)
          .option(ChannelOption.SO_REUSEADDR, true)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childOption(ChannelOption.SO_KEEPALIVE, true)
          .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
              new WriteBufferWaterMark(4 << 20, 16 << 20))
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              portal.initChannel(ch);
            }
          })
          .bind(host, port).syncUninterruptibly().channel();
      IscsiServer server = new IscsiServer(acceptor, workers, io, listener, portal, directory,
          failureCount, config);
      log.info("iSCSI portal listening on {} with {} target(s) ({})", listener.localAddress(),
          config.targets().size(), epoll ? "epoll" : "nio");
      return server;
    } catch (RuntimeException e) {
      acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      io.shutdownNow();
      throw new IllegalStateException("cannot listen on " + host + ":" + port, e);
    }
  }

  private static IoHandlerFactory ioHandler(boolean epoll) {
    return epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
  }

  /** The port listened on. */
  public int port() {
    return address().getPort();
  }

  /** The address listened on. */
  public InetSocketAddress address() {
    return (InetSocketAddress) listener.localAddress();
  }

  /** Normal sessions currently logged in. */
  public int sessionCount() {
    return portal.sessionCount();
  }

  /** Normal sessions currently logged in to the target of that IQN. */
  public int sessionCount(String iqn) {
    return portal.sessionCount(iqn);
  }

  /** Normal sessions per target IQN, for every target served (zero included). */
  public synchronized Map<String, Integer> sessionsByTarget() {
    Map<String, Integer> counts = portal.sessionsByTarget();
    Map<String, Integer> out = new LinkedHashMap<>();
    for (String iqn : targets.keySet()) {
      out.put(iqn, counts.getOrDefault(iqn, 0));
    }
    return out;
  }

  /** Logins refused since start, for any reason. */
  public long loginFailures() {
    return loginFailures.get();
  }

  /** The targets served now, in discovery order. */
  public synchronized List<TargetConfig.Target> targets() {
    return List.copyOf(targets.values());
  }

  /**
   * Serves a target from now on, adding it or replacing the one of the same IQN. New logins and
   * SendTargets see it at once; other targets' sessions are never touched.
   *
   * <p>Replacing keeps the sessions that the new settings would still admit: those of an
   * initiator still on the allow list, when the CHAP names and secrets are unchanged and the
   * LUNs are the same device instances (so reservations and unit attentions carry over). When
   * the CHAP settings or the LUNs differ, every session of the target is closed: a session
   * authenticated with a revoked secret, or bound to devices no longer served, must not go on.
   * Initiators log in again with the new settings.
   *
   * <p>Returns once the closed connections are closed (or after {@value #CLOSE_WAIT_SECONDS}
   * s). Not to be called on one of the server's network threads.
   *
   * @return the sessions closed
   */
  public synchronized int putTarget(TargetConfig.Target target) {
    TargetConfig.Target old = targets.get(target.iqn());
    boolean sameLuns = old != null && old.luns().equals(target.luns());
    if (!sameLuns) {
      portal.putUnits(target.iqn(), new BlockDeviceLogicalUnits(target.luns(), io));
    }
    targets.put(target.iqn(), target);
    directory.publish(targets.values());
    if (old == null) {
      log.info("target {} added ({} LUN(s))", target.iqn(), target.luns().size());
      return 0;
    }
    Predicate<String> closing;
    if (!sameLuns || !ChapCredentials.same(old.chap(), target.chap())) {
      closing = initiator -> true;
    } else {
      Set<String> allowed = target.allowedInitiators();
      closing = initiator -> !allowed.isEmpty() && !allowed.contains(initiator);
    }
    int closed = await(portal.closeSessions(target.iqn(), closing));
    log.info("target {} replaced; {} session(s) closed", target.iqn(), closed);
    return closed;
  }

  /**
   * Stops serving a target: new logins to it fail with "not found", SendTargets no longer lists
   * it, and its sessions are closed (commands in flight are aborted). Other targets' sessions
   * are never touched. Returns once those connections are closed (or after {@value
   * #CLOSE_WAIT_SECONDS} s); not to be called on one of the server's network threads. The block
   * devices stay open (the caller owns them).
   *
   * @return the sessions closed; 0 also when no such target was served
   */
  public synchronized int removeTarget(String iqn) {
    if (targets.remove(iqn) == null) {
      return 0;
    }
    directory.publish(targets.values());
    portal.removeUnits(iqn);
    int closed = await(portal.closeSessions(iqn, initiator -> true));
    log.info("target {} removed; {} session(s) closed", iqn, closed);
    return closed;
  }

  private static int await(List<Future<Void>> closing) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_WAIT_SECONDS);
    for (Future<Void> f : closing) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || !f.awaitUninterruptibly(left, TimeUnit.NANOSECONDS)) {
        log.warn("a closed session's connection did not close within {} s",
            CLOSE_WAIT_SECONDS);
        break;
      }
    }
    return closing.size();
  }

  /** Stops listening, closes every connection and waits for the threads to end. */
  @Override
  public void close() {
    listener.close().syncUninterruptibly();
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    acceptor.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    io.shutdown();
    try {
      if (!io.awaitTermination(5, TimeUnit.SECONDS)) {
        io.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      io.shutdownNow();
    }
    log.info("iSCSI portal closed");
  }

  /**
   * The configuration as the login layer sees it. The target list is an immutable snapshot
   * replaced as a whole by {@link #publish}, so a login or SendTargets reads one consistent set
   * without locking.
   */
  private static final class Directory implements TargetDirectory {
    private record Snapshot(List<Entry> entries, Map<String, Entry> byName) {}

    private final TargetConfig config;
    private volatile Snapshot snapshot;

    Directory(TargetConfig config) {
      this.config = config;
      publish(config.targets());
    }

    void publish(Collection<TargetConfig.Target> targets) {
      List<Entry> entries = new ArrayList<>();
      Map<String, Entry> byName = new HashMap<>();
      for (TargetConfig.Target t : targets) {
        Entry e = new Entry(t.iqn(), t.allowedInitiators(), t.chap());
        entries.add(e);
        byName.put(t.iqn(), e);
      }
      snapshot = new Snapshot(List.copyOf(entries), Map.copyOf(byName));
    }

    @Override
    public Entry target(String name) {
      return snapshot.byName().get(name);
    }

    @Override
    public List<Entry> targets() {
      return snapshot.entries();
    }

    @Override
    public ChapCredentials discoveryChap() {
      return config.discoveryChap();
    }

    @Override
    public int portalGroupTag() {
      return config.portalGroupTag();
    }

    @Override
    public String portalAddress(InetSocketAddress local) {
      if (config.portalAddress() != null) {
        return config.portalAddress();
      }
      if (local == null) {
        return "127.0.0.1:3260";
      }
      String host = local.getAddress().getHostAddress();
      if (host.indexOf(':') >= 0) {
        host = "[" + host + "]";
      }
      return host + ":" + local.getPort();
    }
  }
}
