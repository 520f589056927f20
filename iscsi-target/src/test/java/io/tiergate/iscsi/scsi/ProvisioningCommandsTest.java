package io.tiergate.iscsi.scsi;

import static io.tiergate.iscsi.scsi.Harness.A;
import static io.tiergate.iscsi.scsi.Harness.cdb;
import static io.tiergate.iscsi.scsi.Harness.pattern;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ProvisioningCommandsTest {

  static byte[] unmapList(long... lbaAndCount) {
    int n = lbaAndCount.length / 2;
    byte[] p = new byte[8 + 16 * n];
    Cdb.put16(p, 0, p.length - 2);
    Cdb.put16(p, 2, 16 * n);
    for (int i = 0; i < n; i++) {
      Cdb.put64(p, 8 + 16 * i, lbaAndCount[2 * i]);
      Cdb.put32(p, 16 + 16 * i, lbaAndCount[2 * i + 1]);
    }
    return p;
  }

  static byte[] unmapCdb(int length) {
    byte[] c = new byte[10];
    c[0] = 0x42;
    Cdb.put16(c, 7, length);
    return c;
  }

  static byte[] getLbaStatus(long lba, int alloc) {
    byte[] c = new byte[16];
    c[0] = (byte) 0x9E;
    c[1] = 0x12;
    Cdb.put64(c, 2, lba);
    Cdb.put32(c, 10, alloc);
    return c;
  }

  @Test
  void unmapDeallocatesAndReadsZero() {
    try (Harness h = new Harness()) {
      h.write(A, Harness.write16(0, 256, 0), pattern(256 * 512, 1)).assertGood();
      byte[] list = unmapList(0, 128, 200, 8);
      h.write(A, unmapCdb(list.length), list).assertGood();
      h.assertData(0, new byte[128 * 512]);
      h.assertData(200, new byte[8 * 512]);
      byte[] status = h.run(getLbaStatus(0, 64)).data();
      assertEquals(0, Cdb.u64(status, 8));
      assertEquals(128, Cdb.u32(status, 16));
      assertEquals(1, status[20], "deallocated");
      assertEquals(128, Cdb.u64(status, 24));
      assertEquals(0, status[36], "mapped");
    }
  }

  @Test
  void unmapValidatesItsParameterList() {
    try (Harness h = new Harness()) {
      h.run(unmapCdb(0)).assertGood();
      h.write(A, unmapCdb(4), new byte[4]).assertSense(Sense.ILLEGAL_REQUEST, 0x1A00);
      byte[] oob = unmapList(h.device.blockCount() - 1, 2);
      h.write(A, unmapCdb(oob.length), oob).assertSense(Sense.ILLEGAL_REQUEST, 0x2100);
      long[] many = new long[2 * (BlockLimits.MAX_UNMAP_DESCRIPTORS + 1)];
      byte[] tooMany = unmapList(many);
      h.write(A, unmapCdb(tooMany.length), tooMany).assertSense(Sense.ILLEGAL_REQUEST, 0x2600);
      byte[] anchor = unmapCdb(24);
      anchor[1] = 1;
      h.write(A, anchor, unmapList(0, 1)).assertInvalidCdbField(1);
    }
  }

  @Test
  void writeSameWritesOrUnmaps() {
    try (Harness h = new Harness()) {
      byte[] ws10 = cdb(0x41, 0, 0, 0, 0, 10, 0, 0, 4, 0);
      h.write(A, ws10, pattern(512, 3)).assertGood();
      for (int i = 0; i < 4; i++) {
        h.assertData(10 + i, pattern(512, 3));
      }
      byte[] ws16 = new byte[16];
      ws16[0] = (byte) 0x93;
      ws16[1] = 0x08;
      Cdb.put64(ws16, 2, 10);
      Cdb.put32(ws16, 10, 4);
      h.write(A, ws16, new byte[512]).assertGood();
      h.assertData(10, new byte[2048]);
      ws16[1] = 0x09; // UNMAP + NDOB
      h.run(ws16).assertGood();
      ws16[1] = 0x08; // UNMAP with data that is not zero still deallocates on a thin LUN
      h.write(A, ws16, pattern(512, 4)).assertGood();
      h.assertData(10, new byte[2048]);
      byte[] ones = pattern(512, 9);
      h.write(A, cdb(0x41, 0, 0, 0, 0x7F, 0xF0, 0, 0, 0, 0), ones).assertGood();
      h.assertData(h.device.blockCount() - 1, ones);
      h.write(A, cdb(0x41, 0, 0, 0, 0x80, 0x00, 0, 0, 0, 0), ones)
          .assertSense(Sense.ILLEGAL_REQUEST, 0x2100);
      try (Harness big = new Harness(new io.tiergate.iscsi.device.MemoryBlockDevice(32 << 20, 512))) {
        big.write(A, cdb(0x41, 0, 0, 0, 0, 0, 0, 0, 0, 0), ones).assertInvalidCdbField(7);
      }
      h.write(A, cdb(0x41, 0x10, 0, 0, 0, 0, 0, 0, 1, 0), new byte[512]).assertInvalidCdbField(1);
      h.write(A, cdb(0x41, 0, 0, 0, 0, 0, 0, 0, 1, 0), new byte[1024]).assertInvalidCdbField(7);
      h.write(A, cdb(0x41, 0x01, 0, 0, 0, 0, 0, 0, 1, 0), new byte[512]).assertInvalidCdbField(1);
    }
  }

  @Test
  void getLbaStatusBeyondTheEndIsOutOfRange() {
    try (Harness h = new Harness()) {
      h.run(getLbaStatus(h.device.blockCount(), 24)).assertSense(Sense.ILLEGAL_REQUEST, 0x2100);
      Harness.Outcome o = h.run(getLbaStatus(0, 24));
      o.assertGood();
      assertEquals(24, o.data().length);
      assertEquals(1, o.data()[20]);
      assertEquals(h.device.blockCount(), Cdb.u32(o.data(), 16));
    }
  }

  static byte[] caw(long lba, int blocks) {
    byte[] c = new byte[16];
    c[0] = (byte) 0x89;
    Cdb.put64(c, 2, lba);
    c[13] = (byte) blocks;
    return c;
  }

  @Test
  void compareAndWriteSwapsOnlyOnMatch() {
    try (Harness h = new Harness()) {
      byte[] old = pattern(1024, 1);
      byte[] neu = pattern(1024, 2);
      h.write(A, Harness.write16(40, 2, 0), old).assertGood();
      byte[] both = new byte[2048];
      System.arraycopy(old, 0, both, 0, 1024);
      System.arraycopy(neu, 0, both, 1024, 1024);
      h.write(A, caw(40, 2), both).assertGood();
      h.assertData(40, neu);
      Harness.Outcome o = h.write(A, caw(40, 2), both);
      o.assertSense(Sense.MISCOMPARE, 0x1D00);
      int firstDiff = 0;
      while (old[firstDiff] == neu[firstDiff]) {
        firstDiff++;
      }
      assertEquals(firstDiff, Cdb.u32(o.sense(), 3));
      h.assertData(40, neu);
      h.write(A, caw(40, 2), new byte[1024]).assertInvalidCdbField(13);
      h.write(A, caw(h.device.blockCount() - 1, 2), new byte[2048])
          .assertSense(Sense.ILLEGAL_REQUEST, 0x2100);
      h.run(caw(0, 0)).assertGood();
    }
  }

  @Test
  void orWriteOrsDataIntoTheMedium() {
    try (Harness h = new Harness()) {
      byte[] a = new byte[1024];
      java.util.Arrays.fill(a, (byte) 0x0F);
      h.write(A, Harness.write16(7, 2, 0), a).assertGood();
      byte[] b = new byte[1024];
      java.util.Arrays.fill(b, (byte) 0x30);
      byte[] c = Harness.write16(7, 2, 0x08);
      c[0] = (byte) 0x8B;
      h.write(A, c, b).assertGood();
      byte[] expect = new byte[1024];
      java.util.Arrays.fill(expect, (byte) 0x3F);
      h.assertData(7, expect);
      byte[] oob = Harness.write16(h.device.blockCount() - 1, 2, 0);
      oob[0] = (byte) 0x8B;
      h.write(A, oob, b).assertSense(Sense.ILLEGAL_REQUEST, 0x2100);
      c[1] = 0x20;
      h.write(A, c, b).assertInvalidCdbField(1);
    }
  }
}
