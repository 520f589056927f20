package io.tiergate.iscsi.scsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.tiergate.iscsi.device.MemoryBlockDevice;
import io.tiergate.iscsi.spi.BlockDevice;
import java.util.Map;
import java.util.concurrent.Executor;

/** Drives {@link BlockDeviceLogicalUnits} directly: CDB and data in, status, sense and data out. */
final class Harness implements AutoCloseable {

  static final ItNexus A = new ItNexus("iqn.2024-01.test:a", 0x23d000000001L,
      "iqn.2024-01.io.tiergate:t1", 1);
  static final ItNexus B = new ItNexus("iqn.2024-01.test:b", 0x23d000000002L,
      "iqn.2024-01.io.tiergate:t1", 1);

  final BlockDevice device;
  final BlockDeviceLogicalUnits units;
  private int tag;

  Harness() {
    this(new MemoryBlockDevice(16L << 20, 512));
  }

  Harness(BlockDevice device) {
    this(device, Runnable::run);
  }

  Harness(BlockDevice device, Executor executor) {
    this.device = device;
    this.units = new BlockDeviceLogicalUnits(Map.of(0L, device), executor);
  }

  /** A result with its data copied out, so tests need not release buffers. */
  record Outcome(int status, byte[] sense, byte[] data, long transferLength) {
    int key() {
      return sense.length > 2 ? sense[2] & 0x0F : -1;
    }

    int asc() {
      return sense.length > 13 ? (sense[12] & 0xFF) << 8 | (sense[13] & 0xFF) : -1;
    }

    void assertGood() {
      assertEquals(ScsiResult.GOOD, status, () -> "expected GOOD, sense " + hex(sense));
    }

    void assertSense(int expectedKey, int expectedAscAscq) {
      assertEquals(ScsiResult.CHECK_CONDITION, status, "status");
      assertEquals(expectedKey, key(), () -> "sense key, sense " + hex(sense));
      assertEquals(expectedAscAscq, asc(), () -> "asc/ascq, sense " + hex(sense));
    }

    void assertInvalidCdbField(int fieldPointer) {
      assertSense(Sense.ILLEGAL_REQUEST, 0x2400);
      assertEquals(0xC0, sense[15] & 0xC0, "SKSV and C/D");
      assertEquals(fieldPointer, (sense[16] & 0xFF) << 8 | (sense[17] & 0xFF), "field pointer");
    }

    void assertConflict() {
      assertEquals(ScsiResult.RESERVATION_CONFLICT, status);
    }
  }

  static String hex(byte[] b) {
    return ByteBufUtil.hexDump(b);
  }

  Outcome run(ItNexus nexus, byte[] cdb, byte[] dataOut, int edtl) {
    ByteBuf out = dataOut == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(dataOut);
    ScsiCommand cmd = new ScsiCommand(nexus, 0, cdb, out, edtl, 1, tag++);
    ScsiResult r = units.execute(cmd).join();
    byte[] data = ByteBufUtil.getBytes(r.dataIn());
    r.dataIn().release();
    return new Outcome(r.status(), r.sense(), data, r.commandTransferLength());
  }

  Outcome run(byte[] cdb) {
    return run(A, cdb, null, 65536);
  }

  Outcome run(ItNexus nexus, byte[] cdb) {
    return run(nexus, cdb, null, 65536);
  }

  Outcome write(ItNexus nexus, byte[] cdb, byte[] data) {
    return run(nexus, cdb, data, data.length);
  }

  static byte[] cdb(int... bytes) {
    byte[] c = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      c[i] = (byte) bytes[i];
    }
    return c;
  }

  static byte[] read16(long lba, int blocks) {
    byte[] c = new byte[16];
    c[0] = (byte) 0x88;
    Cdb.put64(c, 2, lba);
    Cdb.put32(c, 10, blocks);
    return c;
  }

  static byte[] write16(long lba, int blocks, int flags) {
    byte[] c = new byte[16];
    c[0] = (byte) 0x8A;
    c[1] = (byte) flags;
    Cdb.put64(c, 2, lba);
    Cdb.put32(c, 10, blocks);
    return c;
  }

  static byte[] read10(long lba, int blocks) {
    byte[] c = new byte[10];
    c[0] = 0x28;
    Cdb.put32(c, 2, lba);
    Cdb.put16(c, 7, blocks);
    return c;
  }

  static byte[] write10(long lba, int blocks) {
    byte[] c = new byte[10];
    c[0] = 0x2A;
    Cdb.put32(c, 2, lba);
    Cdb.put16(c, 7, blocks);
    return c;
  }

  static byte[] pattern(int len, int seed) {
    byte[] b = new byte[len];
    for (int i = 0; i < len; i++) {
      b[i] = (byte) (i * 31 + seed);
    }
    return b;
  }

  /** Clears the power-on unit attention for a nexus, as an initiator's first TUR does. */
  void login(ItNexus nexus) {
    units.nexusAdded(nexus);
    Outcome o = run(nexus, cdb(0, 0, 0, 0, 0, 0));
    o.assertSense(Sense.UNIT_ATTENTION, 0x2900);
    run(nexus, cdb(0, 0, 0, 0, 0, 0)).assertGood();
  }

  LogicalUnit lu() {
    return units.unit(0);
  }

  void assertData(long lba, byte[] expected) {
    Outcome o = run(read16(lba, expected.length / device.blockSize()));
    o.assertGood();
    assertArrayEquals(expected, o.data());
  }

  @Override
  public void close() {
    device.close();
  }
}
