package io.tiergate.iscsi.scsi;

import static io.tiergate.iscsi.scsi.Harness.A;
import static io.tiergate.iscsi.scsi.Harness.B;
import static io.tiergate.iscsi.scsi.Harness.cdb;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

class ModeCommandsTest {

  @Test
  void modeSense6AllPagesWithBlockDescriptor() {
    try (Harness h = new Harness()) {
      Harness.Outcome o = h.run(cdb(0x1A, 0, 0x3F, 0, 255, 0));
      o.assertGood();
      byte[] d = o.data();
      assertEquals(d.length - 1, d[0] & 0xFF);
      assertEquals(0x10, d[2] & 0x90, "DPOFUA set, not write protected");
      assertEquals(8, d[3]);
      assertEquals(h.device.blockCount(), Cdb.u32(d, 4));
      assertEquals(512, Cdb.u24(d, 9));
      assertEquals(0x01, d[12]);
      assertEquals(0x08, d[24]);
      assertEquals(0x04, d[26] & 0x04, "WCE");
      assertEquals(0x0A, d[44]);
      assertEquals(4 + 8 + 12 + 20 + 12, d.length);
    }
  }

  @Test
  void modeSense10LongLbaAndDbd() {
    try (Harness h = new Harness()) {
      byte[] d = h.run(cdb(0x5A, 0x10, 0x08, 0, 0, 0, 0, 0, 255, 0)).data();
      assertEquals(1, d[4] & 1, "LONGLBA");
      assertEquals(16, Cdb.u16(d, 6));
      assertEquals(h.device.blockCount(), Cdb.u64(d, 8));
      assertEquals(0x08, d[24]);
      byte[] nodesc = h.run(cdb(0x5A, 0x08, 0x0A, 0, 0, 0, 0, 0, 255, 0)).data();
      assertEquals(0, Cdb.u16(nodesc, 6));
      assertEquals(0x0A, nodesc[8]);
    }
  }

  @Test
  void pageControlAndBadPages() {
    try (Harness h = new Harness()) {
      byte[] changeable = h.run(cdb(0x1A, 0x08, 0x48, 0, 255, 0)).data();
      assertEquals(0x04, changeable[4 + 2]);
      h.run(cdb(0x1A, 0, 0xC8, 0, 255, 0)).assertSense(Sense.ILLEGAL_REQUEST, 0x3900);
      h.run(cdb(0x1A, 0, 0x19, 0, 255, 0)).assertInvalidCdbField(2);
      h.run(cdb(0x1A, 0, 0x08, 0x01, 255, 0)).assertInvalidCdbField(3);
      h.run(cdb(0x1A, 0, 0x3F, 0xFF, 255, 0)).assertGood();
    }
  }

  @Test
  void modeSelectChangesWriteCacheAndWriteProtect() {
    try (Harness h = new Harness()) {
      h.login(B);
      byte[] sense = h.run(cdb(0x1A, 0x08, 0x08, 0, 255, 0)).data();
      byte[] list = sense.clone();
      list[0] = 0;
      list[2] = 0;
      list[4 + 2] &= ~0x04;
      h.write(A, cdb(0x15, 0x10, 0, 0, list.length, 0), list).assertGood();
      assertFalse(h.lu().writeCacheEnabled);
      h.run(B, cdb(0, 0, 0, 0, 0, 0)).assertSense(Sense.UNIT_ATTENTION, 0x2A01);
      byte[] control = h.run(cdb(0x1A, 0x08, 0x0A, 0, 255, 0)).data();
      control[0] = 0;
      control[4 + 4] |= 0x08;
      h.write(A, cdb(0x15, 0x10, 0, 0, control.length, 0), control).assertGood();
      assertEquals(0x80, h.run(cdb(0x1A, 0, 0x0A, 0, 255, 0)).data()[2] & 0x80, "WP");
      h.write(A, Harness.write10(0, 1), new byte[512]).assertSense(Sense.DATA_PROTECT, 0x2702);
      h.run(Harness.read10(0, 1)).assertGood();
      control[4 + 4] &= ~0x08;
      h.write(A, cdb(0x15, 0x10, 0, 0, control.length, 0), control).assertGood();
      h.write(A, Harness.write10(0, 1), new byte[512]).assertGood();
    }
  }

  @Test
  void modeSelectRejectsUnchangeableBitsAndSaving() {
    try (Harness h = new Harness()) {
      byte[] control = h.run(cdb(0x1A, 0x08, 0x0A, 0, 255, 0)).data();
      control[0] = 0;
      control[4 + 2] |= 0x04; // D_SENSE is not changeable
      h.write(A, cdb(0x15, 0x10, 0, 0, control.length, 0), control)
          .assertSense(Sense.ILLEGAL_REQUEST, 0x2600);
      h.write(A, cdb(0x15, 0x11, 0, 0, control.length, 0), control).assertInvalidCdbField(1);
      byte[] ten = new byte[8 + 12];
      System.arraycopy(h.run(cdb(0x1A, 0x08, 0x0A, 0, 255, 0)).data(), 4, ten, 8, 12);
      h.write(A, cdb(0x55, 0x10, 0, 0, 0, 0, 0, 0, ten.length, 0), ten).assertGood();
    }
  }
}
