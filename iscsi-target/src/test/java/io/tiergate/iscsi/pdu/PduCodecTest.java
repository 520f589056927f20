package io.tiergate.iscsi.pdu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.tiergate.iscsi.LeakGuard;
import io.tiergate.iscsi.PduBuilder;
import io.tiergate.iscsi.RawPdu;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PduCodecTest {

  static {
    LeakGuard.install();
  }

  private final List<Object> toRelease = new ArrayList<>();

  @AfterEach
  void noLeaks() {
    toRelease.forEach(ReferenceCountUtil::release);
    LeakGuard.assertNoLeaks();
  }

  private static byte[] fixture(String name) throws IOException {
    try (InputStream in = PduCodecTest.class.getResourceAsStream("/pdu/" + name)) {
      return PduBuilder.unhex(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
    }
  }

  private <T> T decodeOne(EmbeddedChannel ch, Class<T> type) {
    Object msg = ch.readInbound();
    toRelease.add(msg);
    return assertInstanceOf(type, msg);
  }

  @Test
  void decodesLoginRequestCapturedFromLibiscsi() throws IOException {
    EmbeddedChannel ch = new EmbeddedChannel(new PduDecoder(8192));
    ch.writeInbound(Unpooled.wrappedBuffer(fixture("login-request-libiscsi-discovery.hex")));
    LoginRequest login = decodeOne(ch, LoginRequest.class);
    assertTrue(login.transit());
    assertFalse(login.continueFlag());
    assertEquals(1, login.currentStage());
    assertEquals(3, login.nextStage());
    assertEquals(0x80616fe80000L, login.isid());
    assertEquals(0, login.tsih());
    assertEquals(0x1e9439f6, login.initiatorTaskTag());
    assertEquals(0, login.cid());
    assertEquals(0x0d342533, login.cmdSn());
    assertEquals(1, login.expStatSn());
    String text = login.data().toString(StandardCharsets.UTF_8);
    assertTrue(text.startsWith("InitiatorName=iqn.2026-01.io.tiergate:test-initiator\0"));
    assertTrue(text.contains("SessionType=Discovery\0"));
    assertEquals(384, login.data().readableBytes());
    assertNull(ch.readInbound());
    assertFalse(ch.finish());
  }

  @Test
  void decodesTheSameWhenBytesArriveOneByOne() throws IOException {
    byte[] bytes = fixture("login-request-libiscsi-discovery.hex");
    EmbeddedChannel ch = new EmbeddedChannel(new PduDecoder(8192));
    for (byte b : bytes) {
      ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
    }
    LoginRequest login = decodeOne(ch, LoginRequest.class);
    assertEquals(0x0d342533, login.cmdSn());
    assertEquals(384, login.data().readableBytes());
    assertNull(ch.readInbound());
  }

  @Test
  void decodesMergedAndRandomlySplitStreams() {
    byte[] nop = new PduBuilder(0x00).immediate().flags(0x80).itt(7).word(20, -1).word(24, 5)
        .data("ping".getBytes(StandardCharsets.US_ASCII)).bytes();
    byte[] cmd = new PduBuilder(0x01).flags(0xa1).lun(0x0001000000000000L).itt(8)
        .word(20, 4096).word(24, 6).cdb(new byte[] {0x2a, 0, 0, 0, 0, 1, 0, 0, 8, 0})
        .data(new byte[1000]).bytes();
    byte[] dataOut = new PduBuilder(0x05).flags(0x80).itt(8).word(20, -1).word(36, 0)
        .word(40, 1000).data(new byte[3096]).bytes();
    byte[] stream = concat(nop, cmd, dataOut, nop);
    Random random = new Random(42);
    for (int round = 0; round < 50; round++) {
      EmbeddedChannel ch = new EmbeddedChannel(new PduDecoder(8192));
      int i = 0;
      while (i < stream.length) {
        int n = Math.min(stream.length - i, 1 + random.nextInt(round == 0 ? stream.length : 700));
        ch.writeInbound(Unpooled.wrappedBuffer(stream, i, n));
        i += n;
      }
      NopOut first = decodeOne(ch, NopOut.class);
      assertTrue(first.immediate());
      assertEquals("ping", first.data().toString(StandardCharsets.US_ASCII));
      ScsiCommandPdu c = decodeOne(ch, ScsiCommandPdu.class);
      assertTrue(c.finalFlag());
      assertTrue(c.write());
      assertFalse(c.read());
      assertEquals(1, c.taskAttribute());
      assertEquals(0x0001000000000000L, c.lun());
      assertEquals(4096, c.expectedDataTransferLength());
      assertEquals(0x2a, c.cdb()[0]);
      assertEquals(16, c.cdb().length);
      assertEquals(1000, c.data().readableBytes());
      DataOut d = decodeOne(ch, DataOut.class);
      assertEquals(1000, d.bufferOffset());
      assertEquals(-1, d.targetTransferTag());
      assertEquals(3096, d.data().readableBytes());
      decodeOne(ch, NopOut.class);
      assertNull(ch.readInbound());
      ch.finishAndReleaseAll();
    }
  }

  @Test
  void decodesEveryInitiatorOpcode() {
    EmbeddedChannel ch = new EmbeddedChannel(new PduDecoder(8192));
    ch.writeInbound(Unpooled.wrappedBuffer(concat(
        new PduBuilder(0x02).immediate().flags(0x81).lun(0).itt(9).word(20, 3).word(24, 10)
            .word(32, 8).word(36, 0).bytes(),
        new PduBuilder(0x04).immediate().flags(0x80).itt(10).word(20, -1).word(24, 11)
            .text("SendTargets=All").bytes(),
        new PduBuilder(0x06).immediate().flags(0x80).itt(11).shortAt(20, 0).word(24, 12)
            .bytes(),
        new PduBuilder(0x10).flags(0x81).itt(12).bytes())));
    TaskManagementRequest tmf = decodeOne(ch, TaskManagementRequest.class);
    assertEquals(TaskManagementRequest.ABORT_TASK, tmf.function());
    assertEquals(3, tmf.referencedTaskTag());
    assertEquals(8, tmf.refCmdSn());
    TextRequest text = decodeOne(ch, TextRequest.class);
    assertTrue(text.finalFlag());
    assertEquals("SendTargets=All\0", text.data().toString(StandardCharsets.UTF_8));
    LogoutRequest logout = decodeOne(ch, LogoutRequest.class);
    assertEquals(0, logout.reason());
    assertEquals(12, logout.cmdSn());
    SnackRequest snack = decodeOne(ch, SnackRequest.class);
    assertEquals(1, snack.type());
  }

  @Test
  void extendedCdbAhsIsAppendedToTheCdb() {
    byte[] ahs = new byte[20];
    ahs[0] = 0;
    ahs[1] = 17; // AHSLength: 16 CDB bytes + 1 reserved
    ahs[2] = 1; // extended CDB
    for (int i = 0; i < 16; i++) {
      ahs[4 + i] = (byte) (0x40 + i);
    }
    EmbeddedChannel ch = new EmbeddedChannel(new PduDecoder(8192));
    ch.writeInbound(Unpooled.wrappedBuffer(new PduBuilder(0x01).flags(0x80).itt(1)
        .cdb(new byte[] {0x7f}).ahs(ahs).bytes()));
    ScsiCommandPdu c = decodeOne(ch, ScsiCommandPdu.class);
    assertEquals(32, c.cdb().length);
    assertEquals(0x7f, c.cdb()[0]);
    assertEquals(0x4f, c.cdb()[31]);
  }

  @Test
  void digestsAreCheckedOnceSwitchedOn() {
    PduDecoder decoder = new PduDecoder(8192);
    decoder.setDigests(true, true);
    EmbeddedChannel ch = new EmbeddedChannel(decoder);
    byte[] good = new PduBuilder(0x00).immediate().flags(0x80).itt(1).word(20, -1)
        .data(new byte[] {1, 2, 3, 4, 5}).bytes(true, true);
    byte[] badData = good.clone();
    badData[badData.length - 1] ^= 1;
    ch.writeInbound(Unpooled.wrappedBuffer(concat(good, badData, good)));
    assertEquals(5, decodeOne(ch, NopOut.class).data().readableBytes());
    DecodeFailure failure = decodeOne(ch, DecodeFailure.class);
    assertEquals(DecodeFailure.Reason.DATA_DIGEST_ERROR, failure.reason());
    assertFalse(failure.fatal());
    assertEquals(0x02, failure.reason().rejectReason());
    // A data digest error loses one PDU, not the stream.
    decodeOne(ch, NopOut.class);

    byte[] badHeader = good.clone();
    badHeader[20] ^= 1;
    ch.writeInbound(Unpooled.wrappedBuffer(concat(badHeader, good)));
    DecodeFailure fatal = decodeOne(ch, DecodeFailure.class);
    assertEquals(DecodeFailure.Reason.HEADER_DIGEST_ERROR, fatal.reason());
    assertTrue(fatal.fatal());
    // After a header digest error nothing can be framed any more.
    ch.writeInbound(Unpooled.wrappedBuffer(good));
    assertNull(ch.readInbound());
  }

  @Test
  void oversizedSegmentIsFatalAndUnknownOpcodeIsNot() {
    EmbeddedChannel ch = new EmbeddedChannel(new PduDecoder(8192));
    ch.writeInbound(Unpooled.wrappedBuffer(concat(
        new PduBuilder(0x1e).itt(1).data(new byte[8]).bytes(),
        new PduBuilder(0x00).immediate().flags(0x80).itt(2).word(20, -1).bytes(),
        new PduBuilder(0x05).flags(0x80).itt(3).dataSegmentLength(8193).bytes())));
    DecodeFailure unknown = decodeOne(ch, DecodeFailure.class);
    assertEquals(DecodeFailure.Reason.COMMAND_NOT_SUPPORTED, unknown.reason());
    assertFalse(unknown.fatal());
    assertEquals(2, decodeOne(ch, NopOut.class).initiatorTaskTag());
    DecodeFailure oversized = decodeOne(ch, DecodeFailure.class);
    assertEquals(DecodeFailure.Reason.PROTOCOL_ERROR, oversized.reason());
    assertTrue(oversized.fatal());
    assertEquals(3, oversized.initiatorTaskTag());
  }

  @Test
  void crc32cMatchesTheRfcTestVectors() {
    // RFC 7143 appendix A.4 (RFC 3720 B.4): digests as they appear on the wire.
    assertEquals("aa36918a", wire(new byte[32]));
    byte[] ones = new byte[32];
    java.util.Arrays.fill(ones, (byte) 0xff);
    assertEquals("43aba862", wire(ones));
    byte[] incrementing = new byte[32];
    for (int i = 0; i < 32; i++) {
      incrementing[i] = (byte) i;
    }
    assertEquals("4e79dd46", wire(incrementing));
  }

  private static String wire(byte[] bytes) {
    ByteBuf b = Unpooled.buffer(4).writeIntLE(Crc32c.of(bytes));
    return PduBuilder.hex(io.netty.buffer.ByteBufUtil.getBytes(b));
  }

  @Test
  void encodesGoldenScsiResponseWithSense() throws IOException {
    byte[] sense = {0x70, 0, 0x05, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x24, 0, 0, 0, 0, 0};
    byte[] bytes = encode(new ScsiResponse(0x11223344, 0, 0x02, false, true, 512, 7, 20, 51, 0,
        sense), false, false);
    assertEquals(PduBuilder.hex(fixture("scsi-response-check-condition.hex")),
        PduBuilder.hex(bytes));
  }

  @Test
  void encodesGoldenLoginResponse() throws IOException {
    byte[] text = "TargetPortalGroupTag=1\0".getBytes(StandardCharsets.UTF_8);
    byte[] bytes = encode(new LoginResponse(true, false, 1, 3, 0, 0, 0x80616fe80000L, 5,
        0x1e9439f6, 1, 0x0d342533, 0x0d3425b2, 0, 0, Unpooled.wrappedBuffer(text)), false,
        false);
    assertEquals(PduBuilder.hex(fixture("login-response-final.hex")), PduBuilder.hex(bytes));
  }

  @Test
  void everyTargetPduRoundTrips() {
    ByteBuf payload = Unpooled.wrappedBuffer(new byte[5000]);
    RawPdu dataIn = RawPdu.read(Unpooled.wrappedBuffer(encode(new DataIn(true, true, 0, false,
        true, 100, 0x0002000000000000L, 9, 33, 40, 71, 2, 8192, payload.retainedSlice()),
        false, false)));
    payload.release();
    assertEquals(0x25, dataIn.opcode());
    assertEquals(0x80 | 0x02 | 0x01, dataIn.flags());
    assertEquals(9, dataIn.itt());
    assertEquals(-1, dataIn.word(20));
    assertEquals(33, dataIn.statSn());
    assertEquals(40, dataIn.expCmdSn());
    assertEquals(71, dataIn.maxCmdSn());
    assertEquals(2, dataIn.word(36));
    assertEquals(8192, dataIn.word(40));
    assertEquals(100, dataIn.word(44));
    assertEquals(5000, dataIn.data().length);

    RawPdu r2t = RawPdu.read(Unpooled.wrappedBuffer(encode(new R2t(0, 4, 77, 12, 13, 44, 1,
        65536, 262144), false, false)));
    assertEquals(0x31, r2t.opcode());
    assertEquals(77, r2t.word(20));
    assertEquals(12, r2t.statSn());
    assertEquals(1, r2t.word(36));
    assertEquals(65536, r2t.word(40));
    assertEquals(262144, r2t.word(44));

    RawPdu nop = RawPdu.read(Unpooled.wrappedBuffer(encode(new NopIn(0, -1, 5, 3, 4, 5,
        Unpooled.EMPTY_BUFFER), false, false)));
    assertEquals(0x20, nop.opcode());
    assertEquals(-1, nop.itt());
    assertEquals(5, nop.word(20));

    RawPdu tmf = RawPdu.read(Unpooled.wrappedBuffer(encode(new TaskManagementResponse(1, 6, 7,
        8, 9), false, false)));
    assertEquals(0x22, tmf.opcode());
    assertEquals(1, tmf.byteAt(2));

    RawPdu logout = RawPdu.read(Unpooled.wrappedBuffer(encode(new LogoutResponse(0, 6, 7, 8, 9,
        2, 20), false, false)));
    assertEquals(0x26, logout.opcode());
    assertEquals(2, logout.word(40) >>> 16);
    assertEquals(20, logout.word(40) & 0xffff);

    byte[] header = new PduBuilder(0x1e).itt(3).bytes();
    RawPdu reject = RawPdu.read(Unpooled.wrappedBuffer(encode(new Reject(0x05, 1, 2, 3, 0,
        header), false, false)));
    assertEquals(0x3f, reject.opcode());
    assertEquals(0x05, reject.byteAt(2));
    assertEquals(-1, reject.itt());
    assertArrayEquals(header, reject.data());

    RawPdu text = RawPdu.read(Unpooled.wrappedBuffer(encode(new TextResponse(false, true, 0, 4,
        99, 1, 2, 3, Unpooled.wrappedBuffer("TargetName=x\0".getBytes(StandardCharsets.UTF_8))),
        false, false)));
    assertEquals(0x24, text.opcode());
    assertEquals(0x40, text.flags());
    assertEquals(99, text.word(20));
    assertEquals("x", text.keys().get("TargetName"));

    RawPdu async = RawPdu.read(Unpooled.wrappedBuffer(encode(new AsyncMessage(0, 1, 2, 3,
        AsyncMessage.EVENT_LOGOUT_REQUEST, 0, 0, 0, 5, Unpooled.EMPTY_BUFFER), false, false)));
    assertEquals(0x32, async.opcode());
    assertEquals(1, async.byteAt(36));
    assertEquals(5, async.word(40) & 0xffff);
  }

  @Test
  void encoderAppendsDigestsThatTheDecoderSideAccepts() {
    EmbeddedChannel ch = new EmbeddedChannel(new PduEncoder());
    ch.pipeline().get(PduEncoder.class).setDigests(true, true);
    byte[] payload = new byte[4097];
    new Random(1).nextBytes(payload);
    ch.writeOutbound(new DataIn(true, true, 0, false, false, 0, 0, 1, 2, 3, 4, 0, 0,
        Unpooled.wrappedBuffer(payload)));
    ByteBuf all = Unpooled.buffer();
    for (Object o; (o = ch.readOutbound()) != null; ) {
      all.writeBytes((ByteBuf) o);
      ((ByteBuf) o).release();
    }
    assertEquals(48 + 4 + 4100 + 4, all.readableBytes());
    assertEquals(Crc32c.of(all, 0, 48), all.getIntLE(48));
    assertEquals(Crc32c.of(all, 52, 4100), all.getIntLE(52 + 4100));
    byte[] data = new byte[4097];
    all.getBytes(52, data);
    assertArrayEquals(payload, data);
  }

  private static byte[] encode(TargetPdu pdu, boolean hd, boolean dd) {
    List<Object> out = new ArrayList<>();
    PduEncoder.encode(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, pdu, hd, dd, out);
    pdu.release();
    ByteBuf all = Unpooled.buffer();
    for (Object o : out) {
      all.writeBytes((ByteBuf) o);
      ((ByteBuf) o).release();
    }
    return io.netty.buffer.ByteBufUtil.getBytes(all);
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int i = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, i, p.length);
      i += p.length;
    }
    return out;
  }
}
