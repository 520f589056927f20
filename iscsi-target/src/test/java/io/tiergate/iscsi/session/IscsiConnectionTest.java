package io.tiergate.iscsi.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tiergate.iscsi.LeakGuard;
import io.tiergate.iscsi.PduBuilder;
import io.tiergate.iscsi.RawPdu;
import io.tiergate.iscsi.auth.ChapCredentials;
import io.tiergate.iscsi.login.NegotiationLimits;
import io.tiergate.iscsi.login.TargetDirectory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The session layer on an {@link EmbeddedChannel}, against a fake SCSI layer. */
class IscsiConnectionTest {
  static final String IQN = "iqn.2026-01.io.tiergate:unit";
  static final int DEPTH = 4;

  static {
    LeakGuard.install();
  }

  static final TargetDirectory DIRECTORY = new TargetDirectory() {
    final Entry entry = new Entry(IQN, Set.of(), null);

    @Override
    public Entry target(String name) {
      return name.equals(IQN) ? entry : null;
    }

    @Override
    public List<Entry> targets() {
      return List.of(entry);
    }

    @Override
    public ChapCredentials discoveryChap() {
      return null;
    }

    @Override
    public int portalGroupTag() {
      return 1;
    }

    @Override
    public String portalAddress(InetSocketAddress local) {
      return "127.0.0.1:3260";
    }
  };

  final FakeUnits units = new FakeUnits();
  final Portal portal = new Portal(DIRECTORY, Map.of(IQN, units),
      new NegotiationLimits(65536, 262144, 65536, 8), DEPTH, 0, 0, 1 << 24);
  final List<EmbeddedChannel> channels = new ArrayList<>();
  int cmdSn = 1;

  @AfterEach
  void tearDown() {
    for (EmbeddedChannel ch : channels) {
      ch.finishAndReleaseAll();
    }
    LeakGuard.assertNoLeaks();
  }

  EmbeddedChannel connect() {
    EmbeddedChannel ch = new EmbeddedChannel();
    portal.initChannel(ch);
    channels.add(ch);
    return ch;
  }

  static void send(EmbeddedChannel ch, PduBuilder pdu) {
    ch.writeInbound(Unpooled.wrappedBuffer(pdu.bytes()));
    ch.runPendingTasks();
  }

  static List<RawPdu> received(EmbeddedChannel ch) {
    ch.runPendingTasks();
    if (ch.isOpen()) {
      ch.flushOutbound();
    }
    ByteBuf all = Unpooled.buffer();
    for (Object o; (o = ch.readOutbound()) != null; ) {
      all.writeBytes((ByteBuf) o);
      ((ByteBuf) o).release();
    }
    List<RawPdu> pdus = new ArrayList<>();
    while (all.isReadable()) {
      pdus.add(RawPdu.read(all));
    }
    return pdus;
  }

  EmbeddedChannel login(long isid, String... extra) {
    EmbeddedChannel ch = connect();
    List<String> keys = new ArrayList<>(List.of("InitiatorName=iqn.2026-01.io.tiergate:i1",
        "TargetName=" + IQN, "SessionType=Normal", "MaxRecvDataSegmentLength=8192",
        "ImmediateData=Yes", "InitialR2T=No", "FirstBurstLength=4096",
        "MaxBurstLength=8192", "MaxOutstandingR2T=2"));
    keys.addAll(List.of(extra));
    send(ch, new PduBuilder(0x03).immediate().flags(0x87).shortAt(8, (int) (isid >>> 32))
        .word(10, (int) isid).itt(0x100).word(24, cmdSn).text(keys.toArray(new String[0])));
    List<RawPdu> r = received(ch);
    assertEquals(1, r.size());
    RawPdu response = r.get(0);
    assertEquals(0x23, response.opcode());
    assertEquals(0, response.byteAt(36));
    assertEquals(0x87, response.flags());
    assertEquals(cmdSn, response.expCmdSn());
    assertEquals(cmdSn + DEPTH - 1, response.maxCmdSn());
    assertTrue(response.word(12) != 0, "TSIH assigned");
    return ch;
  }

  PduBuilder command(int itt, int flags, int edtl, byte[] cdb) {
    return new PduBuilder(0x01).flags(flags).itt(itt).word(20, edtl).word(24, cmdSn++).cdb(cdb);
  }

  static byte[] rw10(int op, int lba, int blocks) {
    return new byte[] {(byte) op, 0, (byte) (lba >> 24), (byte) (lba >> 16), (byte) (lba >> 8),
        (byte) lba, 0, (byte) (blocks >> 8), (byte) blocks, 0};
  }

  @Test
  void writeGathersImmediateUnsolicitedAndSolicitedData() {
    EmbeddedChannel ch = login(0x400000000001L);
    byte[] data = new byte[32768];
    new Random(3).nextBytes(data);
    int itt = 7;
    send(ch, command(itt, 0x21, data.length, rw10(0x2a, 8, 64))
        .data(Arrays.copyOfRange(data, 0, 1024)));
    assertTrue(received(ch).isEmpty(), "unsolicited data still to come");
    send(ch, new PduBuilder(0x05).flags(0x80).itt(itt).word(20, -1).word(36, 0).word(40, 1024)
        .data(Arrays.copyOfRange(data, 1024, 4096)));
    List<RawPdu> r2ts = received(ch);
    assertEquals(2, r2ts.size(), "MaxOutstandingR2T");
    int[][] expected = {{4096, 8192}, {12288, 8192}, {20480, 8192}, {28672, 4096}};
    List<RawPdu> pending = new ArrayList<>(r2ts);
    int seen = 0;
    while (!pending.isEmpty()) {
      RawPdu r2t = pending.remove(0);
      assertEquals(0x31, r2t.opcode());
      assertEquals(itt, r2t.itt());
      assertEquals(seen, r2t.word(36), "R2TSN");
      assertEquals(expected[seen][0], r2t.word(40));
      assertEquals(expected[seen][1], r2t.word(44));
      seen++;
      int offset = r2t.word(40);
      int length = r2t.word(44);
      for (int part = 0; part * 4096 < length; part++) {
        int start = offset + part * 4096;
        send(ch, new PduBuilder(0x05).flags(start + 4096 >= offset + length ? 0x80 : 0)
            .itt(itt).word(20, r2t.word(20)).word(36, part).word(40, start)
            .data(Arrays.copyOfRange(data, start, Math.min(start + 4096, offset + length))));
      }
      for (RawPdu p : received(ch)) {
        if (p.opcode() == 0x31) {
          pending.add(p);
        } else {
          assertEquals(0x21, p.opcode());
          assertEquals(0, p.byteAt(3));
          assertEquals(itt, p.itt());
          assertEquals(0x80, p.flags(), "no residual");
        }
      }
    }
    assertEquals(4, seen);
    assertArrayEquals(data, Arrays.copyOfRange(units.disk, 8 * 512, 8 * 512 + data.length));
  }

  @Test
  void readIsSplitByTheInitiatorsSegmentLengthWithStatusOnTheLastDataIn() {
    EmbeddedChannel ch = login(0x400000000002L);
    new Random(4).nextBytes(units.disk);
    send(ch, command(9, 0xc1, 20480, rw10(0x28, 100, 40)));
    List<RawPdu> pdus = received(ch);
    assertEquals(3, pdus.size());
    int offset = 0;
    for (int i = 0; i < 3; i++) {
      RawPdu p = pdus.get(i);
      assertEquals(0x25, p.opcode());
      assertEquals(i, p.word(36), "DataSN");
      assertEquals(offset, p.word(40), "buffer offset");
      assertArrayEquals(Arrays.copyOfRange(units.disk, 51200 + offset,
          51200 + offset + p.data().length), p.data());
      offset += p.data().length;
      assertEquals(i == 2, (p.flags() & 0x01) != 0, "S bit only on the last");
    }
    assertEquals(20480, offset);
    assertEquals(8192, pdus.get(0).data().length);
    // F at every MaxBurstLength (8192) boundary and at the end.
    assertTrue((pdus.get(0).flags() & 0x80) != 0);
    assertEquals(0, pdus.get(2).byteAt(3));
  }

  @Test
  void residualsAreExact() {
    EmbeddedChannel ch = login(0x400000000003L);
    send(ch, command(11, 0xc1, 8192, rw10(0x28, 0, 8)));
    RawPdu under = received(ch).get(0);
    assertEquals(0x25, under.opcode());
    assertEquals(4096, under.data().length);
    assertEquals(0x80 | 0x02 | 0x01, under.flags());
    assertEquals(4096, under.word(44));

    send(ch, command(12, 0xc1, 2048, rw10(0x28, 0, 8)));
    List<RawPdu> over = received(ch);
    assertEquals(2048, over.get(0).data().length);
    assertEquals(0x80 | 0x04 | 0x01, over.get(over.size() - 1).flags());
    assertEquals(2048, over.get(over.size() - 1).word(44));

    send(ch, command(13, 0x81, 512, new byte[6]));
    RawPdu none = received(ch).get(0);
    assertEquals(0x21, none.opcode());
    assertEquals(0x80 | 0x02, none.flags());
    assertEquals(512, none.word(44));
  }

  @Test
  void commandsOutsideTheWindowAreIgnored() {
    EmbeddedChannel ch = login(0x400000000004L);
    int exp = cmdSn;
    send(ch, new PduBuilder(0x01).flags(0x81).itt(20).word(24, exp + DEPTH).cdb(new byte[6]));
    assertTrue(received(ch).isEmpty(), "beyond MaxCmdSN");
    send(ch, new PduBuilder(0x01).flags(0x81).itt(21).word(24, exp - 1).cdb(new byte[6]));
    assertTrue(received(ch).isEmpty(), "below ExpCmdSN");
    units.hold = true;
    for (int i = 0; i < DEPTH; i++) {
      send(ch, command(30 + i, 0x81, 0, new byte[6]));
    }
    send(ch, new PduBuilder(0x00).immediate().flags(0x80).itt(40).word(20, -1).word(24, cmdSn));
    RawPdu nop = received(ch).get(0);
    assertEquals(cmdSn, nop.expCmdSn());
    assertEquals(cmdSn - 1, nop.maxCmdSn(), "window closed while the queue is full");
    units.hold = false;
    units.releaseHeld();
    List<RawPdu> done = received(ch);
    assertEquals(DEPTH, done.size());
    assertEquals(cmdSn + DEPTH - 1, done.get(DEPTH - 1).maxCmdSn(), "window open again");
  }

  @Test
  void nopOutIsAnsweredWithItsData() {
    EmbeddedChannel ch = login(0x400000000005L);
    send(ch, new PduBuilder(0x00).immediate().flags(0x80).itt(50).word(20, -1).word(24, cmdSn)
        .data("nopping\0".getBytes()));
    RawPdu nop = received(ch).get(0);
    assertEquals(0x20, nop.opcode());
    assertEquals(50, nop.itt());
    assertEquals(-1, nop.word(20));
    assertEquals("nopping\0", new String(nop.data()));
  }

  @Test
  void abortedTaskSendsNoResponse() {
    EmbeddedChannel ch = login(0x400000000006L);
    units.hold = true;
    send(ch, command(60, 0xc1, 512, rw10(0x28, 0, 1)));
    int refCmdSn = cmdSn - 1;
    send(ch, new PduBuilder(0x02).immediate().flags(0x81).itt(61).word(20, 60)
        .word(24, cmdSn).word(32, refCmdSn));
    RawPdu tmf = received(ch).get(0);
    assertEquals(0x22, tmf.opcode());
    assertEquals(0, tmf.byteAt(2), "function complete");
    assertTrue(units.calls.contains("abortTask 0 60"));
    units.releaseHeld();
    assertTrue(received(ch).isEmpty(), "no status for an aborted task");

    send(ch, new PduBuilder(0x02).immediate().flags(0x81).itt(62).word(20, 999)
        .word(24, cmdSn).word(32, refCmdSn - 5));
    assertEquals(1, received(ch).get(0).byteAt(2), "task does not exist");
    send(ch, new PduBuilder(0x02).immediate().flags(0x85).lun(0x0005000000000000L).itt(63)
        .word(24, cmdSn));
    assertEquals(2, received(ch).get(0).byteAt(2), "LUN does not exist");
    send(ch, new PduBuilder(0x02).immediate().flags(0x85).itt(64).word(24, cmdSn));
    assertEquals(0, received(ch).get(0).byteAt(2));
    assertTrue(units.calls.contains("lunReset 0"));
  }

  @Test
  void abortingAWriteWaitingForDataDropsItsLateData() {
    EmbeddedChannel ch = login(0x400000000007L);
    send(ch, command(70, 0xa1, 16384, rw10(0x2a, 0, 32)).data(new byte[4096]));
    List<RawPdu> r2ts = received(ch);
    assertEquals(2, r2ts.size());
    send(ch, new PduBuilder(0x02).immediate().flags(0x81).itt(71).word(20, 70)
        .word(24, cmdSn).word(32, cmdSn - 1));
    assertEquals(0, received(ch).get(0).byteAt(2));
    send(ch, new PduBuilder(0x05).flags(0x80).itt(70).word(20, r2ts.get(0).word(20))
        .word(40, 4096).data(new byte[8192]));
    assertTrue(received(ch).isEmpty(), "late Data-Out for an aborted task is dropped");
    assertTrue(ch.isActive());
  }

  @Test
  void malformedPdusAreRejectedAndOversizedOnesCloseTheConnection() {
    EmbeddedChannel ch = login(0x400000000008L);
    send(ch, new PduBuilder(0x1d).itt(80));
    RawPdu reject = received(ch).get(0);
    assertEquals(0x3f, reject.opcode());
    assertEquals(0x05, reject.byteAt(2));
    assertEquals(0x1d, reject.data()[0]);
    assertTrue(ch.isActive());
    send(ch, new PduBuilder(0x05).flags(0x80).itt(81).dataSegmentLength(65537));
    assertEquals(0x04, received(ch).get(0).byteAt(2));
    assertFalse(ch.isActive());
  }

  @Test
  void loginContinuationsPastTheBoundAreRefusedAndClosed() {
    EmbeddedChannel ch = connect();
    byte[] segment = new byte[8192];
    Arrays.fill(segment, (byte) 'k');
    List<RawPdu> answers = new ArrayList<>();
    int sent = 0;
    while (ch.isActive() && sent < 100) {
      send(ch, new PduBuilder(0x03).immediate().flags(0x40 | 0x04).itt(1).word(24, 1)
          .data(segment));
      sent++;
      answers.addAll(received(ch));
    }
    assertFalse(ch.isActive(), "closed after the bound");
    assertEquals(LoginNegotiatorBound.SEGMENTS + 1, sent);
    RawPdu last = answers.get(answers.size() - 1);
    assertEquals(0x23, last.opcode());
    assertEquals(0x02, last.byteAt(36), "status class: initiator error");
    assertEquals(0x00, last.byteAt(37), "status detail");
  }

  /** How many full 8 KiB login segments the text bound admits. */
  static final class LoginNegotiatorBound {
    static final int SEGMENTS =
        io.tiergate.iscsi.login.LoginNegotiator.MAX_LOGIN_TEXT_BYTES / 8192;
  }

  @Test
  void aLoginThatNeverCompletesIsDroppedAfterTheTimeout() {
    EmbeddedChannel ch = connect();
    send(ch, new PduBuilder(0x03).immediate().flags(0x40 | 0x04).itt(1).word(24, 1)
        .text("InitiatorName=iqn.2026-01.io.tiergate:slow"));
    assertEquals(1, received(ch).size());
    ch.advanceTimeBy(29, java.util.concurrent.TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
    assertTrue(ch.isActive(), "still within the login timeout");
    ch.advanceTimeBy(2, java.util.concurrent.TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
    assertFalse(ch.isActive(), "dropped after the login timeout");
  }

  @Test
  void loginsInProgressAreCappedAcrossConnectionsAndFreedWhenTheyEnd() {
    portal.maxLoginsInProgress(2, 10);
    EmbeddedChannel slow1 = connect();
    EmbeddedChannel slow2 = connect();
    assertEquals(2, portal.loginsInProgress());
    EmbeddedChannel third = connect();
    send(third, new PduBuilder(0x03).immediate().flags(0x87).itt(1).word(24, 1)
        .text("InitiatorName=iqn.2026-01.io.tiergate:i9", "TargetName=" + IQN));
    RawPdu refused = received(third).get(0);
    assertEquals(0x23, refused.opcode());
    assertEquals(0x03, refused.byteAt(36), "status class: target error");
    assertEquals(0x01, refused.byteAt(37), "service unavailable: retry later");
    assertFalse(third.isActive());
    assertEquals(2, portal.loginsInProgress(), "a refused connection held no slot");
    slow1.close();
    assertEquals(1, portal.loginsInProgress(), "a closed connection gives its slot back");
    EmbeddedChannel ok = login(0x400000000030L);
    assertTrue(ok.isActive());
    assertEquals(1, portal.loginsInProgress(), "a finished login gives its slot back");
    send(slow2, new PduBuilder(0x03).immediate().flags(0x87).itt(1).word(24, 1)
        .text("InitiatorName=iqn.2026-01.io.tiergate:i9", "TargetName=iqn.2026-01.x:none"));
    assertEquals(0x02, received(slow2).get(0).byteAt(36));
    assertEquals(0, portal.loginsInProgress(), "a failed login gives its slot back");
  }

  @Test
  void oneAddressCannotTakeEveryLoginSlot() {
    portal.maxLoginsInProgress(10, 2);
    connect();
    connect();
    EmbeddedChannel third = connect();
    send(third, new PduBuilder(0x03).immediate().flags(0x87).itt(1).word(24, 1)
        .text("InitiatorName=iqn.2026-01.io.tiergate:i9", "TargetName=" + IQN));
    RawPdu refused = received(third).get(0);
    assertEquals(0x0301, (refused.byteAt(36) << 8) | refused.byteAt(37));
    assertFalse(third.isActive());
    assertEquals(2, portal.loginsInProgress());
  }

  @Test
  void continuedTextRequestsAreRejectedWithoutGathering() {
    EmbeddedChannel ch = login(0x400000000020L);
    byte[] segment = new byte[8192];
    Arrays.fill(segment, (byte) 't');
    for (int i = 0; i < 20; i++) {
      send(ch, new PduBuilder(0x04).immediate().flags(0x40).itt(200 + i).word(20, -1)
          .word(24, cmdSn).data(segment));
      List<RawPdu> r = received(ch);
      assertEquals(1, r.size());
      assertEquals(0x3f, r.get(0).opcode(), "continued text is rejected, not gathered");
    }
    assertTrue(ch.isActive());
    send(ch, new PduBuilder(0x04).immediate().flags(0x80).itt(300).word(20, -1).word(24, cmdSn)
        .text("SendTargets="));
    assertEquals(IQN, received(ch).get(0).keys().get("TargetName"));
  }

  @Test
  void textRequestsWithTooManyKeysAreRejected() {
    EmbeddedChannel ch = login(0x400000000021L);
    List<String> keys = new ArrayList<>();
    for (int i = 0; i <= io.tiergate.iscsi.login.LoginNegotiator.MAX_KEYS_PER_REQUEST; i++) {
      keys.add("X-key-" + i + "=v");
    }
    send(ch, new PduBuilder(0x04).immediate().flags(0x80).itt(310).word(20, -1).word(24, cmdSn)
        .text(keys.toArray(new String[0])));
    RawPdu reject = received(ch).get(0);
    assertEquals(0x3f, reject.opcode());
    assertEquals(0x04, reject.byteAt(2));
    keys.remove(keys.size() - 1);
    send(ch, new PduBuilder(0x04).immediate().flags(0x80).itt(311).word(20, -1).word(24, cmdSn)
        .text(keys.toArray(new String[0])));
    RawPdu answer = received(ch).get(0);
    assertEquals(0x24, answer.opcode());
    assertEquals("NotUnderstood", answer.keys().get("X-key-0"));
  }

  @Test
  void logoutAnswersThenCloses() {
    EmbeddedChannel ch = login(0x400000000009L);
    send(ch, new PduBuilder(0x06).immediate().flags(0x80).itt(90).word(24, cmdSn));
    RawPdu logout = received(ch).get(0);
    assertEquals(0x26, logout.opcode());
    assertEquals(0, logout.byteAt(2));
    assertFalse(ch.isActive());
    assertTrue(units.calls.stream().anyMatch(c -> c.startsWith("nexusRemoved")));
  }

  @Test
  void sameIsidAndInitiatorReinstatesTheSession() {
    EmbeddedChannel first = login(0x40000000000aL);
    EmbeddedChannel second = login(0x40000000000aL);
    first.runPendingTasks();
    assertFalse(first.isActive(), "old session closed");
    assertTrue(second.isActive());
    List<String> nexusCalls = units.calls.stream().filter(c -> c.startsWith("nexus")).toList();
    assertEquals(List.of("nexusAdded iqn.2026-01.io.tiergate:i1,i,0x40000000000a",
        "nexusRemoved iqn.2026-01.io.tiergate:i1,i,0x40000000000a",
        "nexusAdded iqn.2026-01.io.tiergate:i1,i,0x40000000000a"), nexusCalls);
    assertEquals(1, portal.sessionCount());
  }

  @Test
  void sendTargetsInANormalSessionNamesItsOwnTarget() {
    EmbeddedChannel ch = login(0x40000000000bL);
    send(ch, new PduBuilder(0x04).immediate().flags(0x80).itt(95).word(20, -1).word(24, cmdSn)
        .text("SendTargets="));
    RawPdu text = received(ch).get(0);
    assertEquals(0x24, text.opcode());
    assertEquals(IQN, text.keys().get("TargetName"));
    assertEquals("127.0.0.1:3260,1", text.keys().get("TargetAddress"));
  }

  @Test
  void silentInitiatorsArePingedThenDropped() throws Exception {
    Portal keepalive = new Portal(DIRECTORY, Map.of(IQN, units),
        new NegotiationLimits(65536, 262144, 65536, 8), DEPTH, 100, 200, 1 << 24);
    EmbeddedChannel ch = new EmbeddedChannel();
    keepalive.initChannel(ch);
    channels.add(ch);
    send(ch, new PduBuilder(0x03).immediate().flags(0x87).itt(1).word(24, cmdSn)
        .text("InitiatorName=iqn.2026-01.io.tiergate:i2", "TargetName=" + IQN));
    assertEquals(0x23, received(ch).get(0).opcode());
    RawPdu ping = null;
    for (int i = 0; i < 50 && ping == null; i++) {
      Thread.sleep(20);
      ch.runScheduledPendingTasks();
      List<RawPdu> r = received(ch);
      ping = r.isEmpty() ? null : r.get(0);
    }
    assertEquals(0x20, ping.opcode(), "NOP-In keepalive");
    assertEquals(-1, ping.itt());
    assertTrue(ping.word(20) != -1, "a target transfer tag to echo");
    // Answering keeps the connection; silence after the next ping closes it.
    send(ch, new PduBuilder(0x00).immediate().flags(0x80).itt(-1).word(20, ping.word(20))
        .word(24, cmdSn));
    assertTrue(ch.isActive());
    for (int i = 0; i < 100 && ch.isActive(); i++) {
      Thread.sleep(20);
      ch.runScheduledPendingTasks();
      received(ch);
    }
    assertFalse(ch.isActive(), "closed after an unanswered keepalive");
  }

  @Test
  void longSendTargetsAnswersAreContinuedWithTheCBit() {
    List<TargetDirectory.Entry> many = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      many.add(new TargetDirectory.Entry("iqn.2026-01.io.tiergate:target-number-" + i, Set.of(),
          null));
    }
    TargetDirectory big = new TargetDirectory() {
      @Override
      public Entry target(String name) {
        return many.stream().filter(e -> e.name().equals(name)).findFirst().orElse(null);
      }

      @Override
      public List<Entry> targets() {
        return many;
      }

      @Override
      public ChapCredentials discoveryChap() {
        return null;
      }

      @Override
      public int portalGroupTag() {
        return 1;
      }

      @Override
      public String portalAddress(InetSocketAddress local) {
        return "192.0.2.7:3260";
      }
    };
    Portal discovery = new Portal(big, Map.of(), NegotiationLimits.defaults(), DEPTH, 0, 0,
        1 << 20);
    EmbeddedChannel ch = new EmbeddedChannel();
    discovery.initChannel(ch);
    channels.add(ch);
    send(ch, new PduBuilder(0x03).immediate().flags(0x87).itt(1).word(24, 1)
        .text("InitiatorName=iqn.2026-01.io.tiergate:i3", "SessionType=Discovery",
            "MaxRecvDataSegmentLength=512"));
    assertEquals(0, received(ch).get(0).byteAt(36));
    send(ch, new PduBuilder(0x04).immediate().flags(0x80).itt(2).word(20, -1).word(24, 1)
        .text("SendTargets=All"));
    StringBuilder text = new StringBuilder();
    int responses = 0;
    while (true) {
      RawPdu r = received(ch).get(0);
      assertEquals(0x24, r.opcode());
      assertTrue(r.data().length <= 512);
      text.append(new String(r.data(), java.nio.charset.StandardCharsets.UTF_8));
      responses++;
      if ((r.flags() & 0x80) != 0) {
        assertEquals(-1, r.word(20), "final response carries no transfer tag");
        break;
      }
      assertEquals(0x40, r.flags(), "C bit until the last");
      assertTrue(r.word(20) != -1);
      send(ch, new PduBuilder(0x04).immediate().flags(0x80).itt(2).word(20, r.word(20))
          .word(24, 1));
    }
    assertTrue(responses > 5, "split over several responses: " + responses);
    for (int i = 0; i < 40; i++) {
      assertTrue(text.indexOf("TargetName=iqn.2026-01.io.tiergate:target-number-" + i + "\0")
          >= 0);
    }
    assertEquals(80, text.toString().split("\0").length);
  }
}
