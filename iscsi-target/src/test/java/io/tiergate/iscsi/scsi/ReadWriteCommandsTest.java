package io.tiergate.iscsi.scsi;

import static io.tiergate.iscsi.scsi.Harness.A;
import static io.tiergate.iscsi.scsi.Harness.cdb;
import static io.tiergate.iscsi.scsi.Harness.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ReadWriteCommandsTest {

  @Test
  void everyReadAndWriteSizeRoundTrips() {
    try (Harness h = new Harness()) {
      byte[] two = pattern(1024, 1);
      h.write(A, cdb(0x0A, 0, 0, 8, 2, 0), two).assertGood();
      h.assertData(8, two);
      Harness.Outcome r6 = h.run(cdb(0x08, 0, 0, 8, 2, 0));
      assertArrayEquals(two, r6.data());
      h.write(A, Harness.write10(100, 2), pattern(1024, 2)).assertGood();
      assertArrayEquals(pattern(1024, 2), h.run(Harness.read10(100, 2)).data());
      h.write(A, cdb(0xAA, 0, 0, 0, 0, 50, 0, 0, 0, 2, 0, 0), pattern(1024, 3)).assertGood();
      assertArrayEquals(pattern(1024, 3),
          h.run(cdb(0xA8, 0, 0, 0, 0, 50, 0, 0, 0, 2, 0, 0)).data());
      h.write(A, Harness.write16(1000, 2, 0x08), pattern(1024, 4)).assertGood();
      h.assertData(1000, pattern(1024, 4));
    }
  }

  @Test
  void read6ZeroLengthMeans256Blocks() {
    try (Harness h = new Harness()) {
      Harness.Outcome o = h.run(cdb(0x08, 0, 0, 0, 0, 0));
      o.assertGood();
      assertEquals(256 * 512, o.data().length);
      assertEquals(256 * 512, o.transferLength());
    }
  }

  @Test
  void unwrittenBlocksReadZero() {
    try (Harness h = new Harness()) {
      h.assertData(5, new byte[4096]);
    }
  }

  @Test
  void outOfRangeIsLbaOutOfRange() {
    try (Harness h = new Harness()) {
      long blocks = h.device.blockCount();
      h.run(Harness.read16(blocks - 1, 2)).assertSense(Sense.ILLEGAL_REQUEST, 0x2100);
      h.run(Harness.read16(blocks, 0)).assertSense(Sense.ILLEGAL_REQUEST, 0x2100);
      h.run(Harness.read16(-1L, 1)).assertSense(Sense.ILLEGAL_REQUEST, 0x2100);
      h.run(Harness.read10(0x80000000L, 0)).assertSense(Sense.ILLEGAL_REQUEST, 0x2100);
      h.run(Harness.read16(blocks - 1, 1)).assertGood();
      h.run(Harness.read16(0, 0)).assertGood();
      h.write(A, Harness.write16(blocks, 1, 0), new byte[512])
          .assertSense(Sense.ILLEGAL_REQUEST, 0x2100);
    }
  }

  @Test
  void protectionFieldsAreRejected() {
    try (Harness h = new Harness()) {
      byte[] c = Harness.read10(0, 1);
      c[1] = 0x20;
      h.run(c).assertInvalidCdbField(1);
      byte[] w = Harness.write16(0, 1, 0x40);
      h.write(A, w, new byte[512]).assertInvalidCdbField(1);
    }
  }

  @Test
  void transferBeyondMaximumIsInvalidField() {
    try (Harness h = new Harness()) {
      int max = BlockLimits.maxTransferBlocks(512);
      h.run(Harness.read16(0, max + 1)).assertInvalidCdbField(10);
    }
  }

  @Test
  void shortDataOutWritesOnlyWholeBlocksReceived() {
    try (Harness h = new Harness()) {
      h.write(A, Harness.write10(0, 2), pattern(1024, 9)).assertGood();
      byte[] b = new byte[512];
      java.util.Arrays.fill(b, (byte) 'b');
      Harness.Outcome o = h.run(A, Harness.write10(0, 2), b, 512);
      o.assertGood();
      assertEquals(1024, o.transferLength());
      byte[] expect = pattern(1024, 9);
      System.arraycopy(b, 0, expect, 0, 512);
      h.assertData(0, expect);
      // More data than the CDB asks for: only the CDB's blocks are written.
      byte[] c = new byte[1024];
      java.util.Arrays.fill(c, (byte) 'c');
      h.run(A, Harness.write10(0, 1), c, 1024).assertGood();
      System.arraycopy(c, 0, expect, 0, 512);
      h.assertData(0, expect);
    }
  }

  @Test
  void verifyComparesWhenAskedTo() {
    try (Harness h = new Harness()) {
      byte[] data = pattern(1024, 5);
      h.write(A, Harness.write10(10, 2), data).assertGood();
      h.run(cdb(0x2F, 0, 0, 0, 0, 10, 0, 0, 2, 0)).assertGood();
      h.write(A, cdb(0x2F, 0x02, 0, 0, 0, 10, 0, 0, 2, 0), data).assertGood();
      byte[] bad = data.clone();
      bad[700] ^= 1;
      Harness.Outcome o = h.write(A, cdb(0x2F, 0x02, 0, 0, 0, 10, 0, 0, 2, 0), bad);
      o.assertSense(Sense.MISCOMPARE, 0x1D00);
      assertEquals(0x80, o.sense()[0] & 0x80, "VALID");
      assertEquals(700, Cdb.u32(o.sense(), 3));
      h.run(cdb(0x2F, 0x04, 0, 0, 0, 10, 0, 0, 2, 0)).assertInvalidCdbField(1);
      // BYTCHK 3: one block compared with every block of the range.
      h.write(A, Harness.write10(20, 3), new byte[1536]).assertGood();
      h.write(A, cdb(0x2F, 0x06, 0, 0, 0, 20, 0, 0, 3, 0), new byte[512]).assertGood();
      h.run(cdb(0xAF, 0, 0, 0, 0, 10, 0, 0, 0, 2, 0, 0)).assertGood();
      byte[] v16 = new byte[16];
      v16[0] = (byte) 0x8F;
      Cdb.put64(v16, 2, h.device.blockCount());
      Cdb.put32(v16, 10, 1);
      h.run(v16).assertSense(Sense.ILLEGAL_REQUEST, 0x2100);
    }
  }

  @Test
  void writeAndVerifyWrites() {
    try (Harness h = new Harness()) {
      h.write(A, cdb(0x2E, 0x02, 0, 0, 0, 3, 0, 0, 1, 0), pattern(512, 6)).assertGood();
      h.assertData(3, pattern(512, 6));
      byte[] c16 = new byte[16];
      c16[0] = (byte) 0x8E;
      Cdb.put64(c16, 2, 4);
      Cdb.put32(c16, 10, 1);
      h.write(A, c16, pattern(512, 7)).assertGood();
      h.assertData(4, pattern(512, 7));
      h.write(A, cdb(0xAE, 0, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0), pattern(512, 8)).assertGood();
      h.assertData(5, pattern(512, 8));
    }
  }

  @Test
  void synchronizeCacheChecksItsRange() {
    try (Harness h = new Harness()) {
      h.run(cdb(0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0)).assertGood();
      h.run(cdb(0x35, 0x02, 0, 0, 0, 0, 0, 0, 8, 0)).assertGood();
      byte[] c = new byte[16];
      c[0] = (byte) 0x91;
      Cdb.put64(c, 2, h.device.blockCount());
      h.run(c).assertSense(Sense.ILLEGAL_REQUEST, 0x2100);
    }
  }

  @Test
  void readCapacityReportsSizeAndThinProvisioning() {
    try (Harness h = new Harness()) {
      byte[] rc10 = h.run(cdb(0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0)).data();
      assertEquals(h.device.blockCount() - 1, Cdb.u32(rc10, 0));
      assertEquals(512, Cdb.u32(rc10, 4));
      h.run(cdb(0x25, 0, 0, 0, 0, 1, 0, 0, 0, 0)).assertInvalidCdbField(2);
      byte[] c = new byte[16];
      c[0] = (byte) 0x9E;
      c[1] = 0x10;
      Cdb.put32(c, 10, 32);
      byte[] rc16 = h.run(c).data();
      assertEquals(h.device.blockCount() - 1, Cdb.u64(rc16, 0));
      assertEquals(0xC0, rc16[14] & 0xC0);
      assertEquals(0, rc16[13] & 0x0F, "physical block = logical block");
    }
  }

  @Test
  void writeCacheDisabledMakesEveryWriteDurable() {
    CountingDevice d = new CountingDevice(new io.tiergate.iscsi.device.MemoryBlockDevice(1 << 20, 512));
    try (Harness h = new Harness(d)) {
      h.write(A, Harness.write10(0, 1), new byte[512]).assertGood();
      assertEquals(0, d.fuaWrites.get());
      h.write(A, Harness.write16(0, 1, 0x08), new byte[512]).assertGood();
      assertEquals(1, d.fuaWrites.get());
      h.units.lunReset(A, 0);
      h.lu().writeCacheEnabled = false;
      h.write(A, Harness.write10(0, 1), new byte[512]).assertGood();
      assertEquals(2, d.fuaWrites.get());
    }
  }

  @Test
  void preFetchChecksTheRangeOnly() {
    try (Harness h = new Harness()) {
      h.run(cdb(0x34, 0x02, 0, 0, 0, 0, 0, 0, 16, 0)).assertGood();
      byte[] c = new byte[16];
      c[0] = (byte) 0x90;
      Cdb.put64(c, 2, h.device.blockCount() - 1);
      Cdb.put32(c, 10, 2);
      h.run(c).assertSense(Sense.ILLEGAL_REQUEST, 0x2100);
    }
  }

  @Test
  void readDefectDataIsAnEmptyList() {
    try (Harness h = new Harness()) {
      Harness.Outcome ten = h.run(cdb(0x37, 0, 0x18, 0, 0, 0, 0, 0, 4, 0));
      ten.assertGood();
      assertArrayEquals(new byte[] {0, 0x18, 0, 0}, ten.data());
      Harness.Outcome twelve = h.run(cdb(0xB7, 0x0D, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0));
      assertArrayEquals(new byte[] {0, 0x0D, 0, 0, 0, 0, 0, 0}, twelve.data());
    }
  }
}
