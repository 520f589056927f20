package io.tiergate.iscsi.scsi;

import static io.tiergate.iscsi.scsi.Harness.A;
import static io.tiergate.iscsi.scsi.Harness.B;
import static io.tiergate.iscsi.scsi.Harness.cdb;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.iscsi.device.MemoryBlockDevice;
import io.tiergate.iscsi.spi.BlockDevice;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PersistentReservationsTest {

  static final ItNexus C = new ItNexus("iqn.2024-01.test:c", 0x23d000000003L,
      "iqn.2024-01.io.tiergate:t1", 1);

  static Harness.Outcome prout(Harness h, ItNexus n, int sa, int type, long key, long saKey,
      int flags) {
    byte[] c = cdb(0x5F, sa, type, 0, 0, 0, 0, 0, 24, 0);
    byte[] p = new byte[24];
    Cdb.put64(p, 0, key);
    Cdb.put64(p, 8, saKey);
    p[20] = (byte) flags;
    return h.write(n, c, p);
  }

  static Harness.Outcome prin(Harness h, ItNexus n, int sa) {
    return h.run(n, cdb(0x5E, sa, 0, 0, 0, 0, 0, 0x10, 0, 0));
  }

  static long[] keys(Harness h) {
    byte[] d = prin(h, C, 0).data();
    long[] k = new long[(int) Cdb.u32(d, 4) / 8];
    for (int i = 0; i < k.length; i++) {
      k[i] = Cdb.u64(d, 8 + 8 * i);
    }
    return k;
  }

  @Test
  void registerReregisterAndUnregister() {
    try (Harness h = new Harness()) {
      prout(h, A, 0, 0, 0, 0xA1, 0).assertGood();
      prout(h, A, 0, 0, 0, 0xA2, 0).assertConflict();
      prout(h, A, 0, 0, 0xA1, 0xA2, 0).assertGood();
      prout(h, A, 6, 0, 0, 0xA3, 0).assertGood();
      prout(h, B, 0, 0, 0, 0xB1, 0).assertGood();
      assertArrayEquals(new long[] {0xA3, 0xB1}, keys(h));
      assertEquals(4, Cdb.u32(prin(h, A, 0).data(), 0), "generation");
      prout(h, A, 0, 0, 0xA3, 0, 0).assertGood();
      assertArrayEquals(new long[] {0xB1}, keys(h));
      prout(h, C, 0, 0, 0, 0, 0).assertGood();
      assertArrayEquals(new long[] {0xB1}, keys(h));
    }
  }

  @Test
  void parameterListAndTypeAreValidated() {
    try (Harness h = new Harness()) {
      h.write(A, cdb(0x5F, 0, 0, 0, 0, 0, 0, 0, 20, 0), new byte[20])
          .assertSense(Sense.ILLEGAL_REQUEST, 0x1A00);
      prout(h, A, 0, 0, 0, 1, 0).assertGood();
      prout(h, A, 1, 2, 1, 0, 0).assertInvalidCdbField(2);
      prout(h, A, 1, 0x11, 1, 0, 0).assertInvalidCdbField(2);
      prout(h, A, 0, 0, 1, 2, 0x08).assertSense(Sense.ILLEGAL_REQUEST, 0x2600);
      h.run(cdb(0x5E, 0x09, 0, 0, 0, 0, 0, 0x10, 0, 0)).assertInvalidCdbField(1);
    }
  }

  private static void accessCase(int type, boolean readB, boolean writeB, boolean readC,
      boolean writeC) {
    try (Harness h = new Harness()) {
      prout(h, A, 0, 0, 0, 0xA, 0).assertGood();
      prout(h, B, 0, 0, 0, 0xB, 0).assertGood();
      prout(h, A, 1, type, 0xA, 0, 0).assertGood();
      h.run(A, Harness.read10(0, 1)).assertGood();
      h.write(A, Harness.write10(0, 1), new byte[512]).assertGood();
      check(h.run(B, Harness.read10(0, 1)), readB);
      check(h.write(B, Harness.write10(0, 1), new byte[512]), writeB);
      check(h.run(C, Harness.read10(0, 1)), readC);
      check(h.write(C, Harness.write10(0, 1), new byte[512]), writeC);
      // Commands allowed under every reservation type.
      h.run(C, cdb(0x12, 0, 0, 0, 36, 0)).assertGood();
      h.run(C, cdb(0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0)).assertGood();
      h.run(C, cdb(0, 0, 0, 0, 0, 0)).assertGood();
      byte[] rr = prin(h, C, 1).data();
      assertEquals(16, Cdb.u32(rr, 4));
      assertEquals(type, rr[21] & 0x0F);
    }
  }

  private static void check(Harness.Outcome o, boolean allowed) {
    if (allowed) {
      o.assertGood();
    } else {
      o.assertConflict();
    }
  }

  @Test
  void accessRulesForEveryType() {
    accessCase(1, true, false, true, false);
    accessCase(3, false, false, false, false);
    accessCase(5, true, true, true, false);
    accessCase(6, true, true, false, false);
    accessCase(7, true, true, true, false);
    accessCase(8, true, true, false, false);
  }

  @Test
  void reserveReleaseAndConflicts() {
    try (Harness h = new Harness()) {
      h.login(B);
      prout(h, A, 0, 0, 0, 0xA, 0).assertGood();
      prout(h, B, 0, 0, 0, 0xB, 0).assertGood();
      prout(h, A, 1, 5, 0xB, 0, 0).assertConflict();
      prout(h, A, 1, 5, 0xA, 0, 0).assertGood();
      prout(h, A, 1, 5, 0xA, 0, 0).assertGood();
      prout(h, A, 1, 1, 0xA, 0, 0).assertConflict();
      prout(h, B, 1, 5, 0xB, 0, 0).assertConflict();
      prout(h, B, 2, 5, 0xB, 0, 0).assertGood(); // not the holder: no-op
      assertEquals(5, prin(h, A, 1).data()[21]);
      prout(h, A, 2, 1, 0xA, 0, 0).assertSense(Sense.ILLEGAL_REQUEST, 0x2604);
      prout(h, A, 2, 5, 0xA, 0, 0).assertGood();
      assertEquals(0, Cdb.u32(prin(h, A, 1).data(), 4));
      h.run(B, cdb(0, 0, 0, 0, 0, 0)).assertSense(Sense.UNIT_ATTENTION, 0x2A04);
    }
  }

  @Test
  void clearRemovesEverythingAndTellsTheOthers() {
    try (Harness h = new Harness()) {
      h.login(B);
      prout(h, A, 0, 0, 0, 0xA, 0).assertGood();
      prout(h, B, 0, 0, 0, 0xB, 0).assertGood();
      prout(h, A, 1, 3, 0xA, 0, 0).assertGood();
      prout(h, B, 3, 0, 0xA, 0, 0).assertConflict();
      prout(h, B, 3, 0, 0xB, 0, 0).assertGood();
      assertEquals(0, keys(h).length);
      assertEquals(0, Cdb.u32(prin(h, A, 1).data(), 4));
    }
  }

  @Test
  void preemptTakesOverTheReservationAndAbortRemovesTasks() {
    try (Harness h = new Harness()) {
      h.login(B);
      prout(h, A, 0, 0, 0, 0xA, 0).assertGood();
      prout(h, B, 0, 0, 0, 0xB, 0).assertGood();
      prout(h, A, 1, 3, 0xA, 0, 0).assertGood();
      prout(h, B, 4, 1, 0xB, 0xA, 0).assertGood();
      assertArrayEquals(new long[] {0xB}, keys(h));
      byte[] rr = prin(h, B, 1).data();
      assertEquals(0xB, Cdb.u64(rr, 8));
      assertEquals(1, rr[21]);
      h.run(A, cdb(0, 0, 0, 0, 0, 0)).assertSense(Sense.UNIT_ATTENTION, 0x2A05);
      prout(h, B, 4, 1, 0xB, 0, 0).assertSense(Sense.ILLEGAL_REQUEST, 0x2600);
      prout(h, B, 4, 1, 0xB, 0x77, 0).assertConflict();
      prout(h, A, 0, 0, 0, 0xA, 0).assertGood();
      prout(h, B, 5, 1, 0xB, 0xA, 0).assertGood();
      assertArrayEquals(new long[] {0xB}, keys(h));
    }
  }

  @Test
  void preemptOfAllRegistrantsReservationWithZeroKey() {
    try (Harness h = new Harness()) {
      prout(h, A, 0, 0, 0, 0xA, 0).assertGood();
      prout(h, B, 0, 0, 0, 0xB, 0).assertGood();
      prout(h, A, 1, 8, 0xA, 0, 0).assertGood();
      prout(h, B, 4, 3, 0xB, 0, 0).assertGood();
      assertArrayEquals(new long[] {0xB}, keys(h));
      assertEquals(3, prin(h, B, 1).data()[21]);
    }
  }

  @Test
  void registerAndMoveHandsTheReservationOver() {
    try (Harness h = new Harness()) {
      prout(h, A, 0, 0, 0, 0xA, 0).assertGood();
      prout(h, A, 1, 1, 0xA, 0, 0).assertGood();
      byte[] tid = PersistentReserveCommands.transportId(B);
      byte[] p = new byte[24 + tid.length];
      Cdb.put64(p, 0, 0xA);
      Cdb.put64(p, 8, 0xB);
      p[17] = 0x02; // UNREG
      Cdb.put16(p, 18, 1);
      Cdb.put32(p, 20, tid.length);
      System.arraycopy(tid, 0, p, 24, tid.length);
      h.write(A, cdb(0x5F, 7, 1, 0, 0, 0, 0, 0, p.length, 0), p).assertGood();
      assertArrayEquals(new long[] {0xB}, keys(h));
      byte[] full = prin(h, A, 3).data();
      assertEquals(0xB, Cdb.u64(full, 8));
      assertEquals(1, full[8 + 12] & 1, "R_HOLDER");
      int idLen = (int) Cdb.u32(full, 8 + 20);
      String name = new String(full, 8 + 24 + 4, idLen - 4, StandardCharsets.UTF_8).trim();
      assertTrue(name.startsWith(B.initiatorPortName()), name);
      h.write(B, Harness.write10(0, 1), new byte[512]).assertGood();
      h.write(A, Harness.write10(0, 1), new byte[512]).assertConflict();
    }
  }

  @Test
  void reportCapabilities() {
    try (Harness h = new Harness()) {
      byte[] d = prin(h, A, 2).data();
      assertEquals(8, Cdb.u16(d, 0));
      assertEquals(0xEA, d[4] & 0xFF);
      assertEquals(0x01, d[5]);
    }
  }

  @Test
  void stateSurvivesARestart() {
    BlockDevice device = new MemoryBlockDevice(1 << 20, 512);
    try (Harness h = new Harness(device)) {
      prout(h, A, 0, 0, 0, 0xA, 1).assertGood();
      prout(h, B, 0, 0, 0, 0xB, 1).assertGood();
      prout(h, B, 1, 6, 0xB, 0, 0).assertGood();
      byte[] saved = device.loadReservations();
      assertEquals(PersistentReservations.FORMAT_V1, saved[0]);
      Harness again = new Harness(device);
      assertArrayEquals(new long[] {0xA, 0xB}, keys(again));
      byte[] rr = prin(again, A, 1).data();
      assertEquals(6, rr[21]);
      assertEquals(0xB, Cdb.u64(rr, 8));
      assertEquals(2, Cdb.u32(rr, 0));
      again.write(C, Harness.write10(0, 1), new byte[512]).assertConflict();
      assertArrayEquals(saved, new PersistentReservations(device).serialise());
      assertEquals(1, prin(again, A, 2).data()[3] & 0x01, "PTPL_A");
    }
  }

  @Test
  void unreadableSavedStateIsIgnored() {
    BlockDevice device = new MemoryBlockDevice(1 << 20, 512);
    device.saveReservations(new byte[] {99, 1, 2});
    try (Harness h = new Harness(device)) {
      assertEquals(0, keys(h).length);
    }
  }

  @Test
  void reserve6ExcludesOtherNexusesUntilReleased() {
    try (Harness h = new Harness()) {
      h.run(A, cdb(0x16, 0, 0, 0, 0, 0)).assertGood();
      h.run(A, cdb(0x16, 0, 0, 0, 0, 0)).assertGood();
      h.run(B, cdb(0x16, 0, 0, 0, 0, 0)).assertConflict();
      h.run(B, cdb(0x17, 0, 0, 0, 0, 0)).assertGood();
      h.run(B, cdb(0x1A, 0, 0x3F, 0, 255, 0)).assertConflict();
      h.run(B, cdb(0x12, 0, 0, 0, 36, 0)).assertGood();
      h.run(A, cdb(0x1A, 0, 0x3F, 0, 255, 0)).assertGood();
      h.run(A, cdb(0x17, 0, 0, 0, 0, 0)).assertGood();
      h.run(B, cdb(0x16, 0, 0, 0, 0, 0)).assertGood();
      h.units.lunReset(A, 0);
      h.run(A, cdb(0x16, 0, 0, 0, 0, 0)).assertGood();
      h.units.nexusRemoved(A);
      h.run(B, cdb(0x16, 0, 0, 0, 0, 0)).assertGood();
      prout(h, A, 0, 0, 0, 0xA, 0).assertConflict();
    }
  }

  @Test
  void fileDeviceKeepsReservationsAcrossAReopen(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path dir) throws Exception {
    java.nio.file.Path file = dir.resolve("lun.img");
    try (Harness h = new Harness(new io.tiergate.iscsi.device.FileBlockDevice(file, 1 << 20, 512))) {
      prout(h, A, 0, 0, 0, 0xA, 1).assertGood();
      prout(h, A, 1, 3, 0xA, 0, 0).assertGood();
    }
    try (Harness h = new Harness(io.tiergate.iscsi.device.FileBlockDevice.open(file, 512))) {
      assertArrayEquals(new long[] {0xA}, keys(h));
      h.write(B, Harness.write10(0, 1), new byte[512]).assertConflict();
      h.write(A, Harness.write10(0, 1), new byte[512]).assertGood();
    }
  }
}
