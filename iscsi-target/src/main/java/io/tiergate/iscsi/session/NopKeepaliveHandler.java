package io.tiergate.iscsi.session;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a full-feature connection for silence. Sits between the codec and the connection
 * handler. When nothing has been read for {@code interval}, it fires {@link #PING} so that the
 * connection sends a NOP-In with a target transfer tag the initiator must echo; when still
 * nothing arrives within {@code timeout}, it closes the connection: the initiator is gone, and
 * its tasks must not hold the logical unit forever.
 */
final class NopKeepaliveHandler extends ChannelDuplexHandler {
  private static final Logger log = LoggerFactory.getLogger(NopKeepaliveHandler.class);

  /** User event asking the connection handler to send a keepalive NOP-In. */
  static final Object PING = new Object() {
    @Override
    public String toString() {
      return "NOP-In keepalive";
    }
  };

  private final long intervalNanos;
  private final long timeoutNanos;
  private long lastRead = System.nanoTime();
  private long pingSent;
  private ScheduledFuture<?> timer;

  NopKeepaliveHandler(long intervalMillis, long timeoutMillis) {
    this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
    this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (intervalNanos > 0 && ctx.channel().isActive()) {
      start(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (intervalNanos > 0 && timer == null) {
      start(ctx);
    }
    ctx.fireChannelActive();
  }

  private void start(ChannelHandlerContext ctx) {
    long tick = Math.max(TimeUnit.MILLISECONDS.toNanos(100), Math.min(intervalNanos,
        timeoutNanos) / 2);
    timer = ctx.executor().scheduleAtFixedRate(() -> check(ctx), tick, tick,
        TimeUnit.NANOSECONDS);
  }

  private void check(ChannelHandlerContext ctx) {
    long now = System.nanoTime();
    if (pingSent != 0) {
      if (now - pingSent >= timeoutNanos) {
        log.info("{}: no answer to NOP-In keepalive, closing", ctx.channel().remoteAddress());
        ctx.close();
      }
    } else if (now - lastRead >= intervalNanos) {
      pingSent = now;
      ctx.fireUserEventTriggered(PING);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    lastRead = System.nanoTime();
    pingSent = 0;
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancel();
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
