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
import io.tiergate.iscsi.auth.ChapCredentials;
import io.tiergate.iscsi.login.TargetDirectory;
import io.tiergate.iscsi.scsi.BlockDeviceLogicalUnits;
import io.tiergate.iscsi.scsi.LogicalUnits;
import io.tiergate.iscsi.session.Portal;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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
 * <p>Threads: one acceptor, a few network event loops (PDU codec and session state), and an
 * I/O pool on which SCSI commands run against the block devices. Closing stops accepting,
 * closes every connection and waits for the threads; the block devices stay open (the caller
 * owns them).
 */
public final class IscsiServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(IscsiServer.class);
  private static final int MAX_TRANSFER_LENGTH = 64 * 1024 * 1024;

  private final EventLoopGroup acceptor;
  private final EventLoopGroup workers;
  private final ExecutorService io;
  private final Channel listener;
  private final Portal portal;

  private IscsiServer(EventLoopGroup acceptor, EventLoopGroup workers, ExecutorService io,
      Channel listener, Portal portal) {
    this.acceptor = acceptor;
    this.workers = workers;
    this.io = io;
    this.listener = listener;
    this.portal = portal;
  }

  /**
   * Starts serving on {@code host:port}; port 0 picks a free one ({@link #port()}).
   *
   * @throws IllegalStateException when the address cannot be bound
   */
  public static IscsiServer start(TargetConfig config, String host, int port) {
    ExecutorService io = Executors.newFixedThreadPool(config.ioThreads(),
        new DefaultThreadFactory("iscsi-io", true));
    Map<String, LogicalUnits> units = new LinkedHashMap<>();
    for (TargetConfig.Target t : config.targets()) {
      units.put(t.iqn(), new BlockDeviceLogicalUnits(t.luns(), io));
    }
    Portal portal = new Portal(new Directory(config), units, config.limits(),
        config.queueDepth(), config.nopIntervalMillis(), config.nopTimeoutMillis(),
        MAX_TRANSFER_LENGTH);
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
      IscsiServer server = new IscsiServer(acceptor, workers, io, listener, portal);
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

  /** The configuration as the login layer sees it. */
  private static final class Directory implements TargetDirectory {
    private final TargetConfig config;
    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, Entry> byName = new LinkedHashMap<>();

    Directory(TargetConfig config) {
      this.config = config;
      for (TargetConfig.Target t : config.targets()) {
        Entry e = new Entry(t.iqn(), t.allowedInitiators(), t.chap());
        entries.add(e);
        byName.put(t.iqn(), e);
      }
    }

    @Override
    public Entry target(String name) {
      return byName.get(name);
    }

    @Override
    public List<Entry> targets() {
      return entries;
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
