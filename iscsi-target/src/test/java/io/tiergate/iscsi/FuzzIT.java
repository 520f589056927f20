package io.tiergate.iscsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.iscsi.device.MemoryBlockDevice;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Feeds the target truncated, oversized, mutated and out-of-order PDUs and random CDBs over TCP,
 * reproducibly ({@code -Dfuzz.seed=N -Dfuzz.iterations=N}), while a well-behaved session keeps
 * working beside them. The target must answer with Reject or CHECK CONDITION, or close the
 * offending connection; it must never stop serving the others, and must not leak a buffer.
 */
class FuzzIT {
  private static final Logger log = LoggerFactory.getLogger(FuzzIT.class);
  static final String IQN = "iqn.2026-01.io.tiergate:it-fuzz";
  static final long SEED = Long.getLong("fuzz.seed", 20261128L);
  static final int ITERATIONS = Integer.getInteger("fuzz.iterations", 250);
  /** Opcodes that would leave state behind for the healthy session (reservations, stop). */
  static final int[] STATEFUL = {0x04, 0x16, 0x17, 0x1b, 0x1e, 0x56, 0x57, 0x5f};

  static {
    LeakGuard.install();
  }

  static MemoryBlockDevice lun;
  static IscsiServer server;

  @BeforeAll
  static void start() {
    lun = new MemoryBlockDevice(16L << 20, 512);
    server = IscsiServer.start(TargetConfig.builder().target(IQN, lun, null).queueDepth(16)
        .build(), "127.0.0.1", 0);
  }

  @AfterAll
  static void stop() {
    server.close();
    lun.close();
    LeakGuard.assertNoLeaks();
  }

  static TestInitiator login(long isid, int timeoutMillis) throws IOException {
    TestInitiator t = TestInitiator.connect(server.port(), timeoutMillis);
    RawPdu response = t.login("iqn.2026-01.io.tiergate:fuzzer", isid, IQN);
    assertEquals(0x23, response.opcode());
    assertEquals(0, response.byteAt(36), "login status class");
    return t;
  }

  static byte[] read10(long lba, int blocks) {
    return new byte[] {0x28, 0, (byte) (lba >> 24), (byte) (lba >> 16), (byte) (lba >> 8),
        (byte) lba, 0, (byte) (blocks >> 8), (byte) blocks, 0};
  }

  static byte[] write10(long lba, int blocks) {
    byte[] cdb = read10(lba, blocks);
    cdb[0] = 0x2a;
    return cdb;
  }

  @Test
  void deterministicMisbehaviourGetsTheRightAnswer() throws Exception {
    // Oversized data segment: Reject, then the connection closes (framing is lost).
    try (TestInitiator t = login(0x400000000001L, 5000)) {
      t.send(new PduBuilder(0x05).flags(0x80).itt(77).word(20, -1)
          .dataSegmentLength(1 << 20).bytes());
      RawPdu reject = t.receive();
      assertEquals(0x3f, reject.opcode());
      assertEquals(0x04, reject.byteAt(2));
      assertTrue(t.closedByTarget());
    }
    // Unknown opcode: Reject "command not supported", the session goes on.
    try (TestInitiator t = login(0x400000000002L, 5000)) {
      t.send(new PduBuilder(0x1c).itt(5).bytes());
      RawPdu reject = t.receive();
      assertEquals(0x3f, reject.opcode());
      assertEquals(0x05, reject.byteAt(2));
      assertEquals(0, t.command(new byte[6], false, 0, null).status());
    }
    // CmdSN beyond MaxCmdSN is ignored; the next in-window command still works.
    try (TestInitiator t = login(0x400000000003L, 1500)) {
      t.send(new PduBuilder(0x01).flags(0x81).itt(t.nextItt()).word(24, t.peekCmdSn() + 1000)
          .bytes());
      assertNull(t.poll());
      assertEquals(0, t.command(new byte[6], false, 0, null).status());
    }
    // Data-Out for a task that does not exist: Reject "invalid PDU field".
    try (TestInitiator t = login(0x400000000004L, 5000)) {
      t.send(new PduBuilder(0x05).flags(0x80).itt(4242).word(20, 17).data(new byte[512])
          .bytes());
      RawPdu reject = t.receive();
      assertEquals(0x3f, reject.opcode());
      assertEquals(0x09, reject.byteAt(2));
    }
    // Unsolicited Data-Out with the wrong DataSN: CHECK CONDITION, ABORTED COMMAND.
    try (TestInitiator t = login(0x400000000005L, 5000)) {
      int itt = t.nextItt();
      t.send(new PduBuilder(0x01).flags(0x21).itt(itt).word(20, 1024).word(24, t.nextCmdSn())
          .cdb(write10(10, 2)).data(new byte[512]).bytes());
      t.send(new PduBuilder(0x05).flags(0x80).itt(itt).word(20, -1).word(36, 5).word(40, 512)
          .data(new byte[512]).bytes());
      RawPdu response = t.receive();
      assertEquals(0x21, response.opcode());
      assertEquals(0x02, response.byteAt(3));
      assertEquals(0x0b, response.data()[2 + 2] & 0x0f);
      assertEquals(0, t.command(new byte[6], false, 0, null).status());
    }
  }

  @Test
  void randomAbuseNeverHurtsOtherSessions() throws Exception {
    Random random = new Random(SEED);
    log.info("fuzzing with seed {} for {} iterations", SEED, ITERATIONS);
    try (TestInitiator healthy = login(0x400000001000L, 10_000)) {
      check(healthy, random);
      for (int i = 0; i < ITERATIONS; i++) {
        int scenario = random.nextInt(8);
        try {
          abuse(scenario, random, i);
        } catch (IOException expected) {
          // The target closing or resetting an abusive connection is a valid answer.
        }
        if (i % 20 == 19) {
          check(healthy, random);
        }
      }
      check(healthy, random);
    }
    try (TestInitiator fresh = login(0x400000002000L, 10_000)) {
      assertEquals(0, fresh.command(new byte[6], false, 0, null).status());
    }
  }

  /** The well-behaved session writes a few random blocks and reads them back. */
  private static void check(TestInitiator healthy, Random random) throws IOException {
    byte[] data = new byte[4096];
    random.nextBytes(data);
    long lba = 30000 + random.nextInt(1000);
    TestInitiator.Result w = healthy.command(write10(lba, 8), false, data.length, data);
    assertEquals(0, w.status(), "healthy write");
    TestInitiator.Result r = healthy.command(read10(lba, 8), true, data.length, null);
    assertEquals(0, r.status(), "healthy read");
    assertArrayEquals(data, r.data());
  }

  private static void abuse(int scenario, Random random, int iteration) throws IOException {
    long isid = 0x400000010000L + iteration;
    switch (scenario) {
      case 0:
        truncatedPdu(random, isid);
        break;
      case 1:
        oversizedDataSegment(random, isid);
        break;
      case 2:
        flippedHeaderBits(random, isid);
        break;
      case 3:
        randomCdb(random, isid);
        break;
      case 4:
        outOfOrderNumbers(random, isid);
        break;
      case 5:
        garbage(random, isid);
        break;
      case 6:
        mangledText(random, isid);
        break;
      default:
        mangledLogin(random, isid);
    }
  }

  /** Truncated PDU, then hang up. */
  private static void truncatedPdu(Random random, long isid) throws IOException {
    try (TestInitiator t = login(isid, 300)) {
      byte[] pdu = new PduBuilder(0x01).flags(0xa1).itt(t.nextItt()).word(20, 4096)
          .word(24, t.nextCmdSn()).cdb(write10(random.nextInt(1000), 8))
          .data(new byte[4096]).bytes();
      t.send(Arrays.copyOf(pdu, 1 + random.nextInt(pdu.length - 1)));
    }
  }

  /** Oversized data segment. */
  private static void oversizedDataSegment(Random random, long isid) throws IOException {
    try (TestInitiator t = login(isid, 2000)) {
      int opcode = new int[] {0x00, 0x01, 0x04, 0x05}[random.nextInt(4)];
      t.send(new PduBuilder(opcode).flags(0x80).itt(t.nextItt()).word(20, -1)
          .word(24, t.peekCmdSn()).dataSegmentLength(262145 + random.nextInt(1 << 23))
          .bytes());
      RawPdu answer = t.poll();
      assertNotNull(answer, "an oversized PDU gets a Reject");
      assertEquals(0x3f, answer.opcode());
      assertTrue(t.closedByTarget());
    }
  }

  /** Header bytes flipped at random. */
  private static void flippedHeaderBits(Random random, long isid) throws IOException {
    try (TestInitiator t = login(isid, 300)) {
      byte[] pdu = new PduBuilder(0x01).flags(0xc1).itt(t.nextItt()).word(20, 4096)
          .word(24, t.nextCmdSn()).cdb(read10(random.nextInt(1000), 8)).bytes();
      int flips = 1 + random.nextInt(4);
      for (int f = 0; f < flips; f++) {
        pdu[random.nextInt(48)] ^= (byte) (1 << random.nextInt(8));
      }
      t.send(pdu);
      drain(t);
    }
  }

  /** Random CDB with random flags and lengths. */
  private static void randomCdb(Random random, long isid) throws IOException {
    try (TestInitiator t = login(isid, 500)) {
      byte[] cdb = new byte[16];
      random.nextBytes(cdb);
      for (int op : STATEFUL) {
        if ((cdb[0] & 0xff) == op) {
          cdb[0] = 0x12;
        }
      }
      boolean read = random.nextBoolean();
      int length = random.nextInt(4) == 0 ? 0 : random.nextInt(65537);
      boolean write = !read && random.nextBoolean() && length > 0;
      byte[] immediate = write ? new byte[Math.min(length, 8192)] : new byte[0];
      random.nextBytes(immediate);
      t.send(new PduBuilder(0x01).flags(0x80 | (read ? 0x40 : 0) | (write ? 0x20 : 0) | 1)
          .itt(t.nextItt()).word(20, length).word(24, t.nextCmdSn()).cdb(cdb)
          .data(immediate).bytes());
      drain(t);
    }
  }

  /** Out-of-order sequence numbers and tags. */
  private static void outOfOrderNumbers(Random random, long isid) throws IOException {
    try (TestInitiator t = login(isid, 300)) {
      int itt = t.nextItt();
      t.send(new PduBuilder(0x01).flags(0x21).itt(itt).word(20, 8192)
          .word(24, t.nextCmdSn()).cdb(write10(random.nextInt(1000), 16))
          .data(new byte[512]).bytes());
      for (int k = 0; k < 3; k++) {
        t.send(new PduBuilder(0x05).flags(random.nextBoolean() ? 0x80 : 0)
            .itt(random.nextBoolean() ? itt : random.nextInt())
            .word(20, random.nextBoolean() ? -1 : random.nextInt(4))
            .word(36, random.nextInt(3)).word(40, 512 * random.nextInt(16))
            .data(new byte[512 * (1 + random.nextInt(4))]).bytes());
      }
      t.send(new PduBuilder(0x00).flags(0x80).itt(t.nextItt()).word(20, -1)
          .word(24, t.peekCmdSn() + random.nextInt(64) - 32).bytes());
      drain(t);
    }
  }

  /** Garbage instead of a PDU. */
  private static void garbage(Random random, long isid) throws IOException {
    try (TestInitiator t = login(isid, 300)) {
      byte[] junk = new byte[48 + random.nextInt(400)];
      random.nextBytes(junk);
      t.send(junk);
      drain(t);
    }
  }

  /** Mangled text request. */
  private static void mangledText(Random random, long isid) throws IOException {
    try (TestInitiator t = login(isid, 500)) {
      byte[] text = new byte[random.nextInt(300)];
      random.nextBytes(text);
      t.send(new PduBuilder(0x04).immediate().flags(0x80 | (random.nextBoolean() ? 0x40 : 0))
          .itt(t.nextItt()).word(20, random.nextBoolean() ? -1 : random.nextInt())
          .word(24, t.peekCmdSn()).data(text).bytes());
      drain(t);
    }
  }

  /** Mangled login. */
  private static void mangledLogin(Random random, long isid) throws IOException {
    try (TestInitiator t = TestInitiator.connect(server.port(), 500)) {
      byte[] login = new PduBuilder(0x03).immediate().flags(0x87).itt(1)
          .text("InitiatorName=iqn.2026-01.io.tiergate:x", "TargetName=" + IQN,
              "MaxBurstLength=" + random.nextInt(), "HeaderDigest=CRC32C")
          .bytes();
      int flips = random.nextInt(6);
      for (int f = 0; f < flips; f++) {
        login[random.nextInt(login.length)] ^= (byte) (1 << random.nextInt(8));
      }
      t.send(login);
      drain(t);
    }
  }

  /** Reads whatever the target answers until it goes quiet or closes. */
  private static void drain(TestInitiator t) throws IOException {
    for (int i = 0; i < 64; i++) {
      if (t.poll() == null) {
        return;
      }
    }
  }
}
