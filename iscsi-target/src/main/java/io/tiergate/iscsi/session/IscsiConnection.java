package io.tiergate.iscsi.session;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.tiergate.iscsi.login.LoginNegotiator;
import io.tiergate.iscsi.login.LoginStatus;
import io.tiergate.iscsi.login.SessionParameters;
import io.tiergate.iscsi.pdu.DataOut;
import io.tiergate.iscsi.pdu.DecodeFailure;
import io.tiergate.iscsi.pdu.InitiatorPdu;
import io.tiergate.iscsi.pdu.LoginRequest;
import io.tiergate.iscsi.pdu.LoginResponse;
import io.tiergate.iscsi.pdu.LogoutRequest;
import io.tiergate.iscsi.pdu.LogoutResponse;
import io.tiergate.iscsi.pdu.NopIn;
import io.tiergate.iscsi.pdu.NopOut;
import io.tiergate.iscsi.pdu.Opcodes;
import io.tiergate.iscsi.pdu.R2t;
import io.tiergate.iscsi.pdu.Reject;
import io.tiergate.iscsi.pdu.ScsiCommandPdu;
import io.tiergate.iscsi.pdu.ScsiResponse;
import io.tiergate.iscsi.pdu.SnackRequest;
import io.tiergate.iscsi.pdu.TaskManagementRequest;
import io.tiergate.iscsi.pdu.TaskManagementResponse;
import io.tiergate.iscsi.pdu.TextRequest;
import io.tiergate.iscsi.pdu.TextResponse;
import io.tiergate.iscsi.scsi.ErrorMapper;
import io.tiergate.iscsi.scsi.ErrorMapper.TransportCondition;
import io.tiergate.iscsi.scsi.ItNexus;
import io.tiergate.iscsi.scsi.LogicalUnits;
import io.tiergate.iscsi.scsi.ScsiCommand;
import io.tiergate.iscsi.scsi.ScsiResult;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One iSCSI connection, and with MaxConnections=1 also its session: the last handler of the
 * pipeline, after the codec and the keepalive watcher.
 *
 * <p>Phases: login (PDUs go to the {@link LoginNegotiator}), full feature (commands, data,
 * task management, text, NOP, logout), closed. Everything here runs on the channel's event
 * loop; the only other thread is the SCSI layer's, whose results are handed back with
 * {@link EventLoop#execute}. Ordering therefore needs no locks.
 *
 * <p>Data-out: {@link DataOutGathering} gathers a write's immediate, unsolicited and solicited
 * data into one buffer and says which R2Ts to send; the command runs once it is full. At error
 * recovery level 0 a Data-Out out of sequence cannot be asked for again, so the command ends
 * with CHECK CONDITION (sense from {@link ErrorMapper}, like every sense) and later data for it
 * is dropped.
 *
 * <p>Data-in: {@link DataInSender} cuts the result into Data-In PDUs and the status.
 */
final class IscsiConnection extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(IscsiConnection.class);
  /** A connection that has not completed login by then is dropped. */
  private static final long LOGIN_TIMEOUT_SECONDS = 30;
  /**
   * Write data being gathered on one connection is bounded: past this, new writes get TASK SET
   * FULL, so that a flood of large ExpectedDataTransferLengths cannot exhaust memory.
   */
  static final long MAX_GATHERING_BYTES = 256L << 20;

  private enum Phase {
    LOGIN,
    FULL_FEATURE,
    CLOSED
  }

  private final Portal portal;
  private ChannelHandlerContext ctx;
  private Phase phase = Phase.LOGIN;
  private LoginNegotiator negotiator;
  private LoginAllowance allowance;
  private SessionParameters params;
  private SessionRegistry.Handle session;
  private ItNexus nexus;
  private LogicalUnits units;
  private int statSn = 1;
  private CommandWindow window;
  private long loginIsid;
  private int loginTsih;
  private boolean loginStarted;
  private int loginCmdSn;

  private TaskSet tasks;
  private DataOutGathering gathering;
  private DataInSender dataIn;
  private TextRequests text;
  private int nextTtt = 1;

  IscsiConnection(Portal portal) {
    this.portal = portal;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    String peer = String.valueOf(ctx.channel().remoteAddress());
    negotiator = new LoginNegotiator(portal.directory(), portal.limits(), peer);
    allowance = new LoginAllowance(portal, ctx.channel().remoteAddress(),
        ctx.executor().schedule(() -> {
          if (phase == Phase.LOGIN && ctx.channel().isOpen()) {
            log.info("{}: login not completed within {} s, closing", peer,
                LOGIN_TIMEOUT_SECONDS);
            close();
          }
        }, LOGIN_TIMEOUT_SECONDS, TimeUnit.SECONDS));
  }

  /** The login is over: its slot and timer go (see {@link LoginAllowance}), and its text. */
  private void endLogin() {
    allowance.end();
    negotiator = null;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (!(msg instanceof InitiatorPdu)) {
        return;
      }
      InitiatorPdu pdu = (InitiatorPdu) msg;
      switch (phase) {
        case LOGIN:
          login(pdu);
          break;
        case FULL_FEATURE:
          fullFeature(pdu);
          break;
        default:
          break;
      }
    } catch (RuntimeException e) {
      // A bug must cost this connection only, never the server.
      log.warn("{}: closing after unexpected error", ctx.channel().remoteAddress(), e);
      close();
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt == NopKeepaliveHandler.PING && phase == Phase.FULL_FEATURE) {
      ctx.writeAndFlush(new NopIn(0, Opcodes.RESERVED_TAG, nextTtt(), statSn, window.expCmdSn(),
          window.maxCmdSn(), Unpooled.EMPTY_BUFFER));
    } else {
      ctx.fireUserEventTriggered(evt);
    }
  }

  /**
   * Stops reading new PDUs while the initiator is not reading our responses: without this, an
   * initiator that pipelines reads but never drains the socket would make the target buffer
   * their data without bound. Commands already in flight stay bounded by the CmdSN window.
   */
  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    ctx.channel().config().setAutoRead(ctx.channel().isWritable());
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.info("{}: connection error: {}", ctx.channel().remoteAddress(), cause.toString());
    close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    phase = Phase.CLOSED;
    endLogin();
    if (tasks != null) {
      tasks.closed();
    }
    if (session != null) {
      portal.registry().unregister(session);
      session = null;
    }
    ctx.fireChannelInactive();
  }

  /** Closes this connection because a newer login reinstated its session. */
  void closeReinstated() {
    Channel channel = ctx.channel();
    channel.eventLoop().execute(() -> {
      session = null;
      close();
    });
  }

  /**
   * Closes this connection because its target was removed or its access changed; the session
   * leaves the registry as the connection goes inactive.
   */
  Future<Void> closeForTargetChange() {
    Channel channel = ctx.channel();
    channel.eventLoop().execute(() -> {
      if (phase != Phase.CLOSED) {
        log.info("{}: closing session of {} on {}: target removed or its access changed",
            channel.remoteAddress(), nexus != null ? nexus.initiatorName() : "?",
            nexus != null ? nexus.targetName() : "?");
      }
      close();
    });
    return channel.closeFuture();
  }

  private void close() {
    phase = Phase.CLOSED;
    ctx.channel().close();
  }

  // ---------------------------------------------------------------- login

  private void login(InitiatorPdu pdu) {
    if (!(pdu instanceof LoginRequest)) {
      log.info("{}: {} before login completed, closing", ctx.channel().remoteAddress(),
          pdu.getClass().getSimpleName());
      if (pdu instanceof DecodeFailure) {
        ctx.writeAndFlush(reject(((DecodeFailure) pdu).reason().rejectReason(), pdu.bhs()))
            .addListener(ChannelFutureListener.CLOSE);
        phase = Phase.CLOSED;
      } else {
        close();
      }
      return;
    }
    LoginRequest request = (LoginRequest) pdu;
    if (!loginStarted) {
      loginStarted = true;
      loginIsid = request.isid();
      loginTsih = request.tsih();
      loginCmdSn = request.cmdSn();
    }
    if (!allowance.admitted()) {
      // Too many logins in progress on the portal: this one may come back later.
      refuseLogin(loginResponse(request, LoginStatus.SERVICE_UNAVAILABLE, false, 0, 0,
          new byte[0]));
      return;
    }
    LoginNegotiator.Reply reply = negotiator.handle(request);
    int status = reply.status();
    int tsih = loginTsih;
    if (reply.outcome() == LoginNegotiator.Outcome.FULL_FEATURE) {
      params = negotiator.parameters();
      Portal.Admission admission = portal.admit(params, loginIsid, loginTsih, this);
      status = admission.status();
      tsih = admission.tsih();
      session = admission.session();
      units = admission.units();
      nexus = admission.nexus();
    }
    if (status != LoginStatus.SUCCESS) {
      portal.loginFailed(status, negotiator.initiatorName(), negotiator.targetName(),
          String.valueOf(ctx.channel().remoteAddress()));
      refuseLogin(loginResponse(request, status, false, 0, 0, new byte[0]));
      return;
    }
    ctx.writeAndFlush(loginResponse(request, status, reply.transit(), reply.nextStage(), tsih,
        reply.text()));
    if (reply.outcome() == LoginNegotiator.Outcome.FULL_FEATURE) {
      endLogin();
      enterFullFeature();
    }
  }

  /** A Login Response in the login's numbering: its ISID, and ExpCmdSN of its first request. */
  private LoginResponse loginResponse(LoginRequest request, int status, boolean transit,
      int nextStage, int tsih, byte[] text) {
    return new LoginResponse(transit, false, request.currentStage(), nextStage, 0, 0,
        loginIsid, tsih, request.initiatorTaskTag(), statSn++, loginCmdSn,
        loginCmdSn + portal.queueDepth() - 1, status >> 8, status & 0xff,
        Unpooled.wrappedBuffer(text));
  }

  /** Sends a failed login's response, then closes. */
  private void refuseLogin(LoginResponse response) {
    phase = Phase.CLOSED;
    endLogin();
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }

  private void enterFullFeature() {
    phase = Phase.FULL_FEATURE;
    window = new CommandWindow(portal.queueDepth(), loginCmdSn);
    gathering = new DataOutGathering(params, MAX_GATHERING_BYTES, portal.maxTransferLength());
    dataIn = new DataInSender(params);
    tasks = new TaskSet(window, gathering, units, nexus);
    InetSocketAddress local = ctx.channel().localAddress() instanceof InetSocketAddress
        ? (InetSocketAddress) ctx.channel().localAddress() : null;
    text = new TextRequests(portal.directory(), params, portal.directory().portalAddress(local));
    // The final Login Response has been encoded: digests apply from the next PDU on.
    portal.enterFullFeature(ctx.pipeline(), ctx.name(), params);
    if (params.discovery()) {
      log.debug("{}: discovery session for {}", ctx.channel().remoteAddress(),
          params.initiatorName());
    } else {
      log.info("{}: {} logged in to {} (ISID 0x{}, TSIH {}, digests {}/{})",
          ctx.channel().remoteAddress(), params.initiatorName(), params.targetName(),
          String.format("%012x", loginIsid), session.tsih,
          params.headerDigest() ? "CRC32C" : "None", params.dataDigest() ? "CRC32C" : "None");
    }
  }

  // --------------------------------------------------------- full feature

  private void fullFeature(InitiatorPdu pdu) {
    if (pdu instanceof ScsiCommandPdu) {
      command((ScsiCommandPdu) pdu);
    } else if (pdu instanceof DataOut) {
      dataOut((DataOut) pdu);
    } else if (pdu instanceof NopOut) {
      nopOut((NopOut) pdu);
    } else if (pdu instanceof TaskManagementRequest) {
      taskManagement((TaskManagementRequest) pdu);
    } else if (pdu instanceof TextRequest) {
      text((TextRequest) pdu);
    } else if (pdu instanceof LogoutRequest) {
      logout((LogoutRequest) pdu);
    } else if (pdu instanceof DecodeFailure) {
      decodeFailure((DecodeFailure) pdu);
    } else if (pdu instanceof SnackRequest) {
      // SNACK needs error recovery level 1 or more.
      sendReject(Reject.PROTOCOL_ERROR, pdu.bhs());
    } else if (pdu instanceof LoginRequest) {
      sendReject(Reject.PROTOCOL_ERROR, pdu.bhs());
    }
  }

  private void decodeFailure(DecodeFailure failure) {
    log.info("{}: malformed PDU: {}", ctx.channel().remoteAddress(), failure.detail());
    int opcode = failure.bhs()[0] & 0x3f;
    boolean carriesTaskData = opcode == Opcodes.SCSI_COMMAND || opcode == Opcodes.DATA_OUT;
    if (failure.fatal() || (failure.reason() == DecodeFailure.Reason.DATA_DIGEST_ERROR
        && carriesTaskData)) {
      // Framing is lost, or a task's data is: level 0 recovers by dropping the connection.
      rejectAndClose(failure.reason().rejectReason(), failure.bhs());
    } else {
      sendReject(failure.reason().rejectReason(), failure.bhs());
    }
  }

  private void command(ScsiCommandPdu pdu) {
    if (params.discovery()) {
      sendReject(Reject.PROTOCOL_ERROR, pdu.bhs());
      return;
    }
    if (!window.admit(pdu.cmdSn(), pdu.immediate())) {
      log.debug("CmdSN {} outside the window or repeated: ignored", pdu.cmdSn());
      return;
    }
    int itt = pdu.initiatorTaskTag();
    if (itt == Opcodes.RESERVED_TAG || tasks.contains(itt)) {
      sendReject(Reject.INVALID_PDU_FIELD, pdu.bhs());
      return;
    }
    ByteBuf immediate = pdu.data();
    int immediateLength = immediate.readableBytes();
    int expected = pdu.expectedDataTransferLength();
    if (immediateLength > 0 && (!pdu.write() || !params.immediateData()
        || immediateLength > params.firstBurstLength()
        || Integer.compareUnsigned(immediateLength, expected) > 0)) {
      rejectAndClose(Reject.PROTOCOL_ERROR, pdu.bhs());
      return;
    }
    IscsiTask task = new IscsiTask(itt, pdu.lun(), Lun.toFlat(pdu.lun()), pdu.cdb(),
        pdu.taskAttribute(), pdu.read(), pdu.write(), expected);
    tasks.add(task);
    if (!pdu.write() || expected == 0) {
      execute(task);
      return;
    }
    switch (gathering.start(task, immediate, pdu.finalFlag(), ctx.alloc())) {
      case TOO_LONG:
        // More than any one command may move here: refuse without taking the data.
        finishWithoutExecuting(task, ScsiResult.CHECK_CONDITION,
            ErrorMapper.transportSense(TransportCondition.TRANSFER_TOO_LONG));
        return;
      case BUDGET_FULL:
        finishWithoutExecuting(task, ScsiResult.TASK_SET_FULL, new byte[0]);
        return;
      default:
        progressWrite(task);
    }
  }

  /** Sends R2Ts as allowed, or runs the command once all its data is in. */
  private void progressWrite(IscsiTask task) {
    if (gathering.complete(task)) {
      execute(task);
      return;
    }
    List<DataOutGathering.Solicit> r2ts = gathering.solicit(task, this::nextTtt);
    for (DataOutGathering.Solicit r2t : r2ts) {
      ctx.write(new R2t(task.lunField, task.itt, r2t.ttt(), statSn, window.expCmdSn(),
          window.maxCmdSn(), r2t.r2tSn(), r2t.offset(), r2t.length()));
    }
    if (!r2ts.isEmpty()) {
      ctx.flush();
    }
  }

  /** A fresh target transfer tag (R2T, NOP-In, text), never the reserved one. */
  private int nextTtt() {
    int ttt = nextTtt++;
    return ttt == Opcodes.RESERVED_TAG ? nextTtt++ : ttt;
  }

  private void dataOut(DataOut pdu) {
    IscsiTask task = tasks.get(pdu.initiatorTaskTag());
    if (task == null) {
      if (tasks.recentlyFinished(pdu.initiatorTaskTag())) {
        // Data still in flight for a task that was aborted or refused: drop it.
        return;
      }
      sendReject(Reject.INVALID_PDU_FIELD, pdu.bhs());
      return;
    }
    DataOutGathering.Accepted accepted = gathering.accept(task, pdu);
    switch (accepted) {
      case TAKEN:
        progressWrite(task);
        break;
      case PROTOCOL_ERROR:
        rejectAndClose(Reject.PROTOCOL_ERROR, pdu.bhs());
        break;
      case UNKNOWN_TRANSFER_TAG:
        rejectAndClose(Reject.INVALID_PDU_FIELD, pdu.bhs());
        break;
      default:
        sequenceError(task, pdu, accepted == DataOutGathering.Accepted.OFFSET_ERROR);
    }
  }

  /**
   * A Data-Out out of order. Level 0 cannot ask for the data again, so the command ends with
   * CHECK CONDITION, ABORTED COMMAND, DATA PHASE ERROR (or DATA OFFSET ERROR); the connection
   * stays up and later Data-Out for the task is dropped.
   */
  private void sequenceError(IscsiTask task, DataOut pdu, boolean offsetError) {
    log.info("{}: {} Data-Out out of sequence (DataSN {}, offset {}): command aborted",
        ctx.channel().remoteAddress(),
        pdu.targetTransferTag() == Opcodes.RESERVED_TAG ? "unsolicited" : "solicited",
        pdu.dataSn(), pdu.bufferOffset());
    finishWithoutExecuting(task, ScsiResult.CHECK_CONDITION, ErrorMapper.transportSense(
        offsetError ? TransportCondition.DATA_OFFSET_ERROR : TransportCondition.DATA_PHASE_ERROR));
  }

  private void execute(IscsiTask task) {
    task.executing = true;
    gathering.stop(task);
    ByteBuf dataOut = task.buffer != null ? task.buffer : Unpooled.EMPTY_BUFFER;
    task.buffer = null;
    ScsiCommand command = new ScsiCommand(nexus, task.lun, task.cdb, dataOut,
        task.expectedLength, task.taskAttribute, task.itt);
    EventLoop loop = ctx.channel().eventLoop();
    units.execute(command).whenComplete((result, error) -> {
      try {
        loop.execute(() -> completed(task, result, error));
      } catch (RuntimeException e) {
        // The event loop is shutting down: nobody will send this result.
        if (result != null) {
          ReferenceCountUtil.release(result.dataIn());
        }
      }
    });
  }

  private void completed(IscsiTask task, ScsiResult result, Throwable error) {
    tasks.finished(task);
    if (phase != Phase.FULL_FEATURE || task.aborted) {
      if (result != null) {
        ReferenceCountUtil.release(result.dataIn());
      }
      return;
    }
    if (error != null || result == null) {
      log.warn("{}: SCSI layer failed a command", ctx.channel().remoteAddress(), error);
      ctx.writeAndFlush(new ScsiResponse(task.itt, 0x01, ScsiResult.CHECK_CONDITION, false,
          false, 0, statSn++, window.expCmdSn(), window.maxCmdSn(), 0, new byte[0]));
      return;
    }
    sendResult(task, result);
  }

  private void sendResult(IscsiTask task, ScsiResult result) {
    dataIn.send(task, result, ctx::write, () -> statSn++, window.expCmdSn(), window.maxCmdSn());
    ctx.flush();
  }

  private void finishWithoutExecuting(IscsiTask task, int status, byte[] sense) {
    tasks.refused(task);
    ctx.writeAndFlush(new ScsiResponse(task.itt, 0x00, status, false, false, 0, statSn++,
        window.expCmdSn(), window.maxCmdSn(), 0, sense));
  }

  // ---------------------------------------------------- NOP, TMF, text, logout

  private void nopOut(NopOut pdu) {
    if (pdu.initiatorTaskTag() == Opcodes.RESERVED_TAG) {
      // The answer to our keepalive (or a no-op); the keepalive handler saw it arrive.
      return;
    }
    if (!window.admit(pdu.cmdSn(), pdu.immediate())) {
      return;
    }
    ByteBuf data = pdu.data();
    int length = Math.min(data.readableBytes(), params.initiatorMaxRecvDataSegmentLength());
    ctx.writeAndFlush(new NopIn(pdu.lun(), pdu.initiatorTaskTag(), Opcodes.RESERVED_TAG,
        statSn++, window.expCmdSn(), window.maxCmdSn(),
        data.retainedSlice(data.readerIndex(), length)));
  }

  private void taskManagement(TaskManagementRequest pdu) {
    if (params.discovery()) {
      sendReject(Reject.PROTOCOL_ERROR, pdu.bhs());
      return;
    }
    if (!window.admit(pdu.cmdSn(), pdu.immediate())) {
      return;
    }
    TaskSet.Managed managed = tasks.manage(pdu);
    log.debug("{}: task management function {} on LUN {}: response {}",
        ctx.channel().remoteAddress(), pdu.function(), Lun.toFlat(pdu.lun()),
        managed.response());
    var future = ctx.writeAndFlush(new TaskManagementResponse(managed.response(),
        pdu.initiatorTaskTag(), statSn++, window.expCmdSn(), window.maxCmdSn()));
    if (managed.closeConnection()) {
      phase = Phase.CLOSED;
      future.addListener(ChannelFutureListener.CLOSE);
    }
  }

  private void text(TextRequest pdu) {
    if (!window.admit(pdu.cmdSn(), pdu.immediate())) {
      return;
    }
    TextResponse response = text.answer(pdu, this::nextTtt, () -> statSn++, window.expCmdSn(),
        window.maxCmdSn());
    if (response == null) {
      sendReject(Reject.PROTOCOL_ERROR, pdu.bhs());
    } else {
      ctx.writeAndFlush(response);
    }
  }

  private void logout(LogoutRequest pdu) {
    if (!window.admit(pdu.cmdSn(), pdu.immediate())) {
      return;
    }
    // 0 closes the session, 1 this connection (the session's only one); recovery (2) needs a
    // higher error recovery level.
    int response = pdu.reason() == 2 ? 2 : 0;
    phase = Phase.CLOSED;
    tasks.abortWhere(-1);
    ctx.writeAndFlush(new LogoutResponse(response, pdu.initiatorTaskTag(), statSn++,
        window.expCmdSn(), window.maxCmdSn(), 0, 0)).addListener(ChannelFutureListener.CLOSE);
  }

  // ---------------------------------------------------------------- reject

  private Reject reject(int reason, byte[] bhs) {
    int exp = window != null ? window.expCmdSn() : loginCmdSn;
    int max = window != null ? window.maxCmdSn() : loginCmdSn;
    return new Reject(reason, statSn++, exp, max, 0, bhs.clone());
  }

  private void sendReject(int reason, byte[] bhs) {
    ctx.writeAndFlush(reject(reason, bhs));
  }

  private void rejectAndClose(int reason, byte[] bhs) {
    phase = Phase.CLOSED;
    ctx.writeAndFlush(reject(reason, bhs)).addListener(ChannelFutureListener.CLOSE);
  }
}
