package io.tiergate.iscsi.session;

import io.netty.buffer.Unpooled;
import io.tiergate.iscsi.login.LoginNegotiator;
import io.tiergate.iscsi.login.SendTargets;
import io.tiergate.iscsi.login.SessionParameters;
import io.tiergate.iscsi.login.TargetDirectory;
import io.tiergate.iscsi.login.TextKeys;
import io.tiergate.iscsi.pdu.Opcodes;
import io.tiergate.iscsi.pdu.TextRequest;
import io.tiergate.iscsi.pdu.TextResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * Text Requests in full feature phase (RFC 7143 section 11.10): {@code SendTargets}, whose
 * answer may take several Text Responses with the C bit, each fetched by an empty request that
 * echoes the target transfer tag; every other key is answered {@code NotUnderstood}.
 *
 * <p>Bounds: a discovery session may need no secret, so what a text exchange holds is capped
 * like a login's. A request continued with the C bit is refused rather than gathered (no key
 * this target answers needs one); a request may offer at most
 * {@link LoginNegotiator#MAX_KEYS_PER_REQUEST} keys, since each gets an answer; and at most
 * one SendTargets answer is pending, dropped by any other request. Event-loop confined.
 */
final class TextRequests {
  private final TargetDirectory directory;
  private final SessionParameters params;
  private final String portalAddress;

  private SendTargets pending;
  private int pendingTag;
  private int pendingTtt;

  /**
   * The text exchange of one session.
   *
   * @param directory the targets, for SendTargets
   * @param params the session's parameters (session type, names, segment length)
   * @param portalAddress {@code host:port} of the portal the session came in on
   */
  TextRequests(TargetDirectory directory, SessionParameters params, String portalAddress) {
    this.directory = directory;
    this.params = params;
    this.portalAddress = portalAddress;
  }

  /** Whether a SendTargets answer is waiting for the initiator to fetch its next part. */
  boolean pending() {
    return pending != null;
  }

  /**
   * The response to one request, already admitted to the CmdSN window, or null when it is to
   * be rejected as a protocol error.
   *
   * @param ttts source of fresh target transfer tags
   * @param statSn hands out the response's StatSN
   */
  TextResponse answer(TextRequest pdu, IntSupplier ttts, IntSupplier statSn, int expCmdSn,
      int maxCmdSn) {
    if (pending != null && pdu.targetTransferTag() == pendingTtt
        && pdu.initiatorTaskTag() == pendingTag) {
      return nextPart(pdu, ttts, statSn, expCmdSn, maxCmdSn);
    }
    pending = null;
    if (pdu.targetTransferTag() != Opcodes.RESERVED_TAG || pdu.continueFlag()) {
      return null;
    }
    Map<String, String> keys;
    try {
      keys = TextKeys.parse(TextKeys.bytes(pdu.data()));
    } catch (TextKeys.MalformedTextException e) {
      return null;
    }
    if (keys.size() > LoginNegotiator.MAX_KEYS_PER_REQUEST) {
      return null;
    }
    String sendTargets = keys.get("SendTargets");
    if (sendTargets != null) {
      pending = SendTargets.answer(directory, sendTargets, params.discovery(),
          params.targetName(), params.initiatorName(), portalAddress);
      pendingTag = pdu.initiatorTaskTag();
      return nextPart(pdu, ttts, statSn, expCmdSn, maxCmdSn);
    }
    Map<String, String> answer = new LinkedHashMap<>();
    for (String key : keys.keySet()) {
      answer.put(key, "NotUnderstood");
    }
    return new TextResponse(true, false, pdu.lun(), pdu.initiatorTaskTag(),
        Opcodes.RESERVED_TAG, statSn.getAsInt(), expCmdSn, maxCmdSn,
        Unpooled.wrappedBuffer(TextKeys.encode(answer)));
  }

  private TextResponse nextPart(TextRequest pdu, IntSupplier ttts, IntSupplier statSn,
      int expCmdSn, int maxCmdSn) {
    byte[] chunk = pending.next(params.initiatorMaxRecvDataSegmentLength());
    boolean more = pending.hasMore();
    int ttt = Opcodes.RESERVED_TAG;
    if (more) {
      ttt = ttts.getAsInt();
      pendingTtt = ttt;
    } else {
      pending = null;
    }
    return new TextResponse(!more, more, pdu.lun(), pdu.initiatorTaskTag(), ttt,
        statSn.getAsInt(), expCmdSn, maxCmdSn, Unpooled.wrappedBuffer(chunk));
  }
}
