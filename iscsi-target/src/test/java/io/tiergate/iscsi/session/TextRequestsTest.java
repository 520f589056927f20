package io.tiergate.iscsi.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.tiergate.iscsi.LeakGuard;
import io.tiergate.iscsi.login.SessionParameters;
import io.tiergate.iscsi.login.TextKeys;
import io.tiergate.iscsi.pdu.Opcodes;
import io.tiergate.iscsi.pdu.TextRequest;
import io.tiergate.iscsi.pdu.TextResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Text Requests on their own: SendTargets in parts, NotUnderstood, and the bounds. */
class TextRequestsTest {
  static {
    LeakGuard.install();
  }

  final AtomicInteger ttts = new AtomicInteger(500);
  final AtomicInteger statSn = new AtomicInteger(1);
  final TextRequests text = new TextRequests(IscsiConnectionTest.DIRECTORY,
      new SessionParameters(true, "iqn.2026-01.io.tiergate:i", null, null, false, false, 40,
          8192, 8192, 8192, true, true, 1, 0), "192.0.2.9:3260");

  @AfterEach
  void leaks() {
    LeakGuard.assertNoLeaks();
  }

  static TextRequest request(int itt, int ttt, boolean continued, String body) {
    return new TextRequest(new byte[48], true, !continued, continued, 0, itt, ttt, 1, 0,
        Unpooled.wrappedBuffer(body.getBytes(StandardCharsets.UTF_8)));
  }

  TextResponse answer(TextRequest request) {
    try {
      return text.answer(request, ttts::getAndIncrement, statSn::getAndIncrement, 1, 4);
    } finally {
      request.release();
    }
  }

  @Test
  void sendTargetsComesInPartsFetchedByTheTransferTag() throws Exception {
    TextResponse first = answer(request(7, Opcodes.RESERVED_TAG, false, "SendTargets=All\0"));
    StringBuilder all = new StringBuilder();
    TextResponse r = first;
    int parts = 1;
    while (true) {
      all.append(r.data().toString(StandardCharsets.UTF_8));
      assertTrue(r.data().readableBytes() <= 40);
      boolean last = r.finalFlag();
      int ttt = r.targetTransferTag();
      r.release();
      if (last) {
        assertEquals(Opcodes.RESERVED_TAG, ttt);
        break;
      }
      assertTrue(text.pending());
      r = answer(request(7, ttt, false, ""));
      parts++;
    }
    assertFalse(text.pending());
    assertTrue(parts > 1);
    assertEquals(IscsiConnectionTest.IQN, TextKeys.parse(all.toString()
        .getBytes(StandardCharsets.UTF_8)).get("TargetName"));
  }

  @Test
  void anotherRequestDropsAnUnfinishedAnswer() {
    TextResponse part = answer(request(8, Opcodes.RESERVED_TAG, false, "SendTargets=All\0"));
    assertTrue(text.pending());
    part.release();
    TextResponse other = answer(request(9, Opcodes.RESERVED_TAG, false, "X-what=1\0"));
    assertFalse(text.pending());
    assertEquals("X-what=NotUnderstood\0", other.data().toString(StandardCharsets.UTF_8));
    other.release();
  }

  @Test
  void continuedMalformedOrKeyStuffedRequestsAreRefused() {
    assertNull(answer(request(10, Opcodes.RESERVED_TAG, true, "SendTargets=All\0")));
    assertNull(answer(request(11, 1234, false, "")), "a transfer tag that was never given");
    assertNull(answer(request(12, Opcodes.RESERVED_TAG, false, "no-equals-sign\0")));
    StringBuilder many = new StringBuilder();
    for (int i = 0; i <= io.tiergate.iscsi.login.LoginNegotiator.MAX_KEYS_PER_REQUEST; i++) {
      many.append("X-k").append(i).append("=v\0");
    }
    assertNull(answer(request(13, Opcodes.RESERVED_TAG, false, many.toString())));
    assertEquals(1, statSn.get(), "no StatSN spent on a refusal");
  }
}
