package io.tiergate.gateway.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.tiergate.gateway.admin.HttpExchange.Request;
import io.tiergate.gateway.admin.HttpExchange.Response;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener: HTTPS on Netty. Pipeline per connection: {@link ConnectionLimit}, TLS,
 * {@link HttpServerCodec} (request line up to 4 KiB, headers up to 8 KiB), keep-alive, {@link
 * HttpObjectAggregator} (bodies up to {@value #MAX_BODY} bytes), then {@link Handler}, which
 * hands each request to a small worker pool (engine calls block; the event loop must not) and
 * writes the response back. Paths under {@code /api/} and {@code /metrics} go to {@link Api};
 * anything else is a static file of the web UI from the class path ({@code web/}).
 *
 * <p>Bounds, since anyone who can reach the port may send anything before authenticating: at
 * most {@value #MAX_CONNECTIONS} connections at once (more are closed as they arrive); one
 * request per connection at a time (reading stops while it is served, so pipelined requests
 * queue in the client's socket, not in the heap); and a request must arrive whole within
 * the request timeout ({@code tiergate.admin.request-timeout-seconds}, default {@value
 * #DEFAULT_REQUEST_TIMEOUT_SECONDS} s) of the connection opening or the previous answer, TLS
 * handshake included, however slowly its bytes trickle in. The timeout never runs while a
 * request is being served: a long call (a waited sync) is answered, not cut off.
 */
final class AdminServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
  static final int MAX_BODY = 64 << 10;
  static final int MAX_CONNECTIONS = 256;
  static final int DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;
  /** Requests waiting for a worker, at most one per connection. */
  private static final int MAX_QUEUED = MAX_CONNECTIONS;
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8", "svg", "image/svg+xml", "ico", "image/x-icon");

  private final EventLoopGroup group;
  private final ExecutorService workers;
  private final Channel listener;

  private AdminServer(EventLoopGroup group, ExecutorService workers, Channel listener) {
    this.group = group;
    this.workers = workers;
    this.listener = listener;
  }

  static AdminServer start(Api api, String host, int port, Path cert, Path key) {
    SslContext ssl;
    try {
      ssl = SslContextBuilder.forServer(cert.toFile(), key.toFile()).build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalStateException("cannot load the admin certificate " + cert + ": "
          + e.getMessage(), e);
    }
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2,
        new DefaultThreadFactory("admin-net", true), NioIoHandler.newFactory());
    ExecutorService workers = new ThreadPoolExecutor(4, 4, 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(MAX_QUEUED), new DefaultThreadFactory("admin-api", true));
    long timeoutMillis = requestTimeout().toMillis();
    ConnectionLimit limit = new ConnectionLimit();
    try {
      Channel ch = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel c) {
              c.pipeline().addLast("limit", limit)
                  .addLast("tls", ssl.newHandler(c.alloc()))
                  .addLast("http", new HttpServerCodec())
                  .addLast("keepalive", new HttpServerKeepAliveHandler())
                  .addLast("aggregate", new HttpObjectAggregator(MAX_BODY))
                  .addLast("admin", new Handler(api, workers, timeoutMillis));
            }
          })
          .bind(host, port).syncUninterruptibly().channel();
      InetSocketAddress bound = (InetSocketAddress) ch.localAddress();
      log.info("admin server listening on {}{}", url(bound),
          bound.getAddress().isAnyLocalAddress() ? " (all addresses)" : "");
      return new AdminServer(group, workers, ch);
    } catch (RuntimeException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      workers.shutdownNow();
      throw new IllegalStateException("cannot listen on " + host + ":" + port + ": "
          + e.getMessage(), e);
    }
  }

  /**
   * The URL a client on this machine uses for {@code address}: {@code https://HOST:PORT}, the
   * loopback address for a wildcard bind, an IPv6 address in brackets.
   */
  static String url(InetSocketAddress address) {
    String h = address.getAddress().isAnyLocalAddress() ? "127.0.0.1"
        : address.getAddress().getHostAddress();
    if (h.contains(":")) {
      h = "[" + h + "]";
    }
    return "https://" + h + ":" + address.getPort();
  }

  /** The request timeout: {@code tiergate.admin.request-timeout-seconds}, else the default. */
  static Duration requestTimeout() {
    String v = System.getProperty("tiergate.admin.request-timeout-seconds");
    if (v == null || v.isBlank()) {
      return Duration.ofSeconds(DEFAULT_REQUEST_TIMEOUT_SECONDS);
    }
    try {
      long s = Long.parseLong(v.trim());
      if (s >= 1 && s <= 3600) {
        return Duration.ofSeconds(s);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalStateException("tiergate.admin.request-timeout-seconds must be 1 to 3600, "
        + "got " + v);
  }

  /** Closes connections beyond {@value #MAX_CONNECTIONS} as they arrive. */
  @ChannelHandler.Sharable
  private static final class ConnectionLimit extends ChannelInboundHandlerAdapter {
    private final AtomicInteger open = new AtomicInteger();

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
      if (open.incrementAndGet() > MAX_CONNECTIONS) {
        log.debug("admin connection from {} refused: {} open", ctx.channel().remoteAddress(),
            MAX_CONNECTIONS);
        ctx.close();
        return;
      }
      super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      open.decrementAndGet();
      super.channelInactive(ctx);
    }
  }

  InetSocketAddress address() {
    return (InetSocketAddress) listener.localAddress();
  }

  @Override
  public void close() {
    listener.close().syncUninterruptibly();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdown();
    try {
      if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
        workers.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      workers.shutdownNow();
    }
  }

  /** Turns Netty requests into {@link Request}s and {@link Response}s back into Netty's. */
  private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final Api api;
    private final ExecutorService workers;
    private final long timeoutMillis;
    private ScheduledFuture<?> deadline;

    Handler(Api api, ExecutorService workers, long timeoutMillis) {
      this.api = api;
      this.workers = workers;
      this.timeoutMillis = timeoutMillis;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
      arm(ctx);
      super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      disarm();
      super.channelInactive(ctx);
    }

    /** The next request must arrive whole within the timeout (on the event loop). */
    private void arm(ChannelHandlerContext ctx) {
      disarm();
      deadline = ctx.executor().schedule(() -> {
        log.debug("admin connection {} closed: no whole request within {} ms",
            ctx.channel().remoteAddress(), timeoutMillis);
        ctx.close();
      }, timeoutMillis, TimeUnit.MILLISECONDS);
    }

    private void disarm() {
      if (deadline != null) {
        deadline.cancel(false);
        deadline = null;
      }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
      // Served from here on: no timeout, and no further request read until this one's answer.
      disarm();
      ctx.channel().config().setAutoRead(false);
      boolean keepAlive = HttpUtil.isKeepAlive(msg);
      if (!msg.decoderResult().isSuccess()) {
        write(ctx, Response.json(400, Map.of("error", "malformed HTTP request",
            "code", "bad_request")), false);
        return;
      }
      QueryStringDecoder q = new QueryStringDecoder(msg.uri());
      String auth = msg.headers().get(HttpHeaderNames.AUTHORIZATION);
      String bearer = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)
          ? auth.substring(7).trim() : null;
      String client = ctx.channel().remoteAddress() instanceof InetSocketAddress a
          ? a.getAddress().getHostAddress() : "unknown";
      Request req = new Request(msg.method().name().toUpperCase(Locale.ROOT), q.path(),
          q.parameters(), msg.content().toString(StandardCharsets.UTF_8), bearer, client);
      try {
        workers.execute(() -> {
          Response r;
          try {
            r = Api.isApi(req.path()) ? api.handle(req) : staticFile(req);
          } catch (Throwable t) { // an Error too: the client must get an answer, not a hang
            log.error("admin request {} failed", req, t);
            r = Response.json(500, Map.of("error", "internal error; see the gateway log",
                "code", "internal_error"));
          }
          Response answer = r;
          ctx.executor().execute(() -> write(ctx, answer, keepAlive));
        });
      } catch (RejectedExecutionException e) {
        write(ctx, Response.json(503, Map.of("error", "busy or shutting down; try again",
            "code", "unavailable")), false);
      }
    }

    private static Response staticFile(Request req) {
      if (!req.method().equals("GET") && !req.method().equals("HEAD")) {
        return Response.json(405, Map.of("error", "method not allowed",
            "code", "method_not_allowed"));
      }
      String path = req.path().equals("/") ? "/index.html" : req.path();
      if (path.contains("..") || !path.matches("/[A-Za-z0-9._/-]+")) {
        return Response.json(404, Map.of("error", "not found", "code", "not_found"));
      }
      String ext = path.substring(path.lastIndexOf('.') + 1);
      try (InputStream in = AdminServer.class.getResourceAsStream("/web" + path)) {
        if (in == null || !TYPES.containsKey(ext)) {
          return Response.json(404, Map.of("error", "not found", "code", "not_found"));
        }
        return new Response(200, TYPES.get(ext), in.readAllBytes(), new LinkedHashMap<>())
            .header("Cache-Control", "no-cache");
      } catch (IOException e) {
        return Response.json(500, Map.of("error", "cannot read " + path,
            "code", "internal_error"));
      }
    }

    private void write(ChannelHandlerContext ctx, Response r, boolean keepAlive) {
      FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
          HttpResponseStatus.valueOf(r.status()), Unpooled.wrappedBuffer(r.body()));
      if (r.contentType() != null) {
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
      }
      r.headers().forEach((k, v) -> res.headers().set(k, v));
      res.headers().set("X-Content-Type-Options", "nosniff");
      res.headers().set("X-Frame-Options", "DENY");
      res.headers().set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; "
          + "style-src 'self'; script-src 'self'; frame-ancestors 'none'");
      res.headers().set("Strict-Transport-Security", "max-age=31536000");
      res.headers().set("Cache-Control", r.headers().getOrDefault("Cache-Control", "no-store"));
      HttpUtil.setContentLength(res, r.body().length);
      HttpUtil.setKeepAlive(res, keepAlive);
      var f = ctx.writeAndFlush(res);
      if (!keepAlive) {
        f.addListener(ChannelFutureListener.CLOSE);
      } else {
        f.addListener(done -> {
          if (ctx.channel().isActive()) {
            arm(ctx);
            ctx.channel().config().setAutoRead(true);
            ctx.read();
          }
        });
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // TLS handshake failures and resets from scanners are routine: note them quietly.
      log.debug("admin connection {} closed: {}", ctx.channel().remoteAddress(),
          cause.toString());
      ctx.close();
    }
  }
}
