package io.tiergate.gateway.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
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
import io.netty.handler.timeout.ReadTimeoutHandler;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener: HTTPS on Netty. Pipeline per connection: TLS, {@link HttpServerCodec},
 * keep-alive, {@link HttpObjectAggregator} (bodies up to 1 MiB), then {@link Handler}, which
 * hands each request to a small worker pool (engine calls block; the event loop must not) and
 * writes the response back. Paths under {@code /api/} and {@code /metrics} go to {@link Api};
 * anything else is a static file of the web UI from the class path ({@code web/}).
 */
final class AdminServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
  private static final int MAX_BODY = 1 << 20;
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
    ExecutorService workers = Executors.newFixedThreadPool(4,
        new DefaultThreadFactory("admin-api", true));
    try {
      Channel ch = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel c) {
              c.pipeline().addLast("tls", ssl.newHandler(c.alloc()))
                  .addLast("timeout", new ReadTimeoutHandler(120))
                  .addLast("http", new HttpServerCodec())
                  .addLast("keepalive", new HttpServerKeepAliveHandler())
                  .addLast("aggregate", new HttpObjectAggregator(MAX_BODY))
                  .addLast("admin", new Handler(api, workers));
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

    Handler(Api api, ExecutorService workers) {
      this.api = api;
      this.workers = workers;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
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
        write(ctx, Response.json(503, Map.of("error", "shutting down", "code", "unavailable")),
            false);
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

    private static void write(ChannelHandlerContext ctx, Response r, boolean keepAlive) {
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
