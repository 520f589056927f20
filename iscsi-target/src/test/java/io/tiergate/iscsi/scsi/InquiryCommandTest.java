package io.tiergate.iscsi.scsi;

import static io.tiergate.iscsi.scsi.Harness.cdb;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class InquiryCommandTest {

  @Test
  void standardInquiryDescribesAnSpc4DirectAccessDevice() {
    try (Harness h = new Harness()) {
      Harness.Outcome o = h.run(cdb(0x12, 0, 0, 0, 255, 0));
      o.assertGood();
      byte[] d = o.data();
      assertEquals(96, d.length);
      assertEquals(0, d[0]);
      assertEquals(6, d[2]);
      assertEquals(2, d[3] & 0x0F);
      assertEquals(91, d[4]);
      assertEquals(0x02, d[7] & 0x02, "CMDQUE");
      assertEquals("TIERGATE", new String(d, 8, 8, StandardCharsets.US_ASCII));
      assertEquals(0x04C0, Cdb.u16(d, 64), "SBC-3 version descriptor");
      assertEquals(255, o.transferLength());
    }
  }

  @Test
  void allocationLengthTruncates() {
    try (Harness h = new Harness()) {
      Harness.Outcome o = h.run(cdb(0x12, 0, 0, 0, 5, 0));
      o.assertGood();
      assertEquals(5, o.data().length);
      assertEquals(5, o.transferLength());
    }
  }

  @Test
  void pageCodeWithoutEvpdIsInvalid() {
    try (Harness h = new Harness()) {
      h.run(cdb(0x12, 0, 0x80, 0, 255, 0)).assertInvalidCdbField(2);
      h.run(cdb(0x12, 0x02, 0, 0, 255, 0)).assertInvalidCdbField(1);
      h.run(cdb(0x12, 1, 0x99, 0, 255, 0)).assertInvalidCdbField(2);
    }
  }

  @Test
  void supportedPagesListsEveryPage() {
    try (Harness h = new Harness()) {
      byte[] d = h.run(cdb(0x12, 1, 0, 0, 255, 0)).data();
      assertArrayEquals(new byte[] {0, 0, 0, 6, 0, (byte) 0x80, (byte) 0x83, (byte) 0xB0,
          (byte) 0xB1, (byte) 0xB2}, d);
      for (int i = 4; i < d.length; i++) {
        Harness.Outcome page = h.run(cdb(0x12, 1, d[i] & 0xFF, 0, 255, 0));
        page.assertGood();
        assertEquals(d[i], page.data()[1]);
        assertEquals(page.data().length - 4, Cdb.u16(page.data(), 2));
      }
    }
  }

  @Test
  void serialNumberIsTheDeviceSerial() {
    try (Harness h = new Harness()) {
      byte[] d = h.run(cdb(0x12, 1, 0x80, 0, 255, 0)).data();
      assertEquals(h.device.identity().serialNumber(),
          new String(d, 4, d.length - 4, StandardCharsets.US_ASCII));
    }
  }

  @Test
  void deviceIdentificationCarriesNaaAndTargetPortDesignators() {
    try (Harness h = new Harness()) {
      byte[] d = h.run(cdb(0x12, 1, 0x83, 0, 255, 0)).data();
      boolean naa = false;
      boolean relPort = false;
      boolean portName = false;
      for (int off = 4; off < d.length; off += 4 + (d[off + 3] & 0xFF)) {
        int assoc = (d[off + 1] >> 4) & 0x3;
        int type = d[off + 1] & 0x0F;
        if (type == 3 && assoc == 0) {
          naa = true;
          assertEquals(0x3, (d[off + 4] & 0xF0) >> 4, "NAA locally assigned");
        }
        if (type == 4 && assoc == 1) {
          relPort = true;
          assertEquals(1, Cdb.u16(d, off + 6));
        }
        if (type == 8 && assoc == 1) {
          portName = true;
          String s = new String(d, off + 4, d[off + 3] & 0xFF, StandardCharsets.UTF_8).trim();
          assertTrue(s.startsWith(Harness.A.targetPortName()), s);
        }
      }
      assertTrue(naa && relPort && portName);
    }
  }

  @Test
  void blockLimitsAndProvisioningPagesMatchTheLimits() {
    try (Harness h = new Harness()) {
      byte[] b0 = h.run(cdb(0x12, 1, 0xB0, 0, 255, 0)).data();
      assertEquals(0x3C, Cdb.u16(b0, 2));
      assertEquals(0, b0[4] & 1, "WSNZ: zero blocks means to the end");
      assertEquals(1, Cdb.u32(b0, 28), "optimal unmap granularity");
      assertEquals(BlockLimits.MAX_TRANSFER_BYTES / 512, Cdb.u32(b0, 8));
      assertEquals(BlockLimits.MAX_UNMAP_DESCRIPTORS, Cdb.u32(b0, 24));
      byte[] b2 = h.run(cdb(0x12, 1, 0xB2, 0, 255, 0)).data();
      assertEquals(0xE4, b2[5] & 0xFF, "LBPU LBPWS LBPWS10 LBPRZ");
    }
  }

  @Test
  void absentLunAnswersInquiryWithQualifierAndRejectsOtherCommands() {
    try (Harness h = new Harness()) {
      ScsiCommand inq = new ScsiCommand(Harness.A, 7, cdb(0x12, 0, 0, 0, 96, 0),
          Unpooled.EMPTY_BUFFER, 96, 1, 1);
      ScsiResult r = h.units.execute(inq).join();
      assertEquals(0x7F, r.dataIn().getByte(0) & 0xFF);
      r.dataIn().release();
      ScsiCommand tur = new ScsiCommand(Harness.A, 7, cdb(0, 0, 0, 0, 0, 0),
          Unpooled.EMPTY_BUFFER, 0, 1, 2);
      ScsiResult t = h.units.execute(tur).join();
      assertEquals(ScsiResult.CHECK_CONDITION, t.status());
      assertEquals(0x25, t.sense()[12]);
    }
  }
}
