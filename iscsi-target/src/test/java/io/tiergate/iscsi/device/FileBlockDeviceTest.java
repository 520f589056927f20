package io.tiergate.iscsi.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.Unpooled;
import io.tiergate.iscsi.spi.BlockDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBlockDeviceTest extends BlockDeviceContract {

  @TempDir
  Path dir;
  private int n;

  @Override
  BlockDevice create(long sizeBytes, int blockSize) throws Exception {
    return new FileBlockDevice(dir.resolve("lun" + n++ + ".img"), sizeBytes, blockSize);
  }

  @Test
  void dataReservationsAndIdentitySurviveReopening() throws Exception {
    Path file = dir.resolve("keep.img");
    byte[] data = new byte[4096];
    java.util.Arrays.fill(data, (byte) 7);
    BlockDevice.DeviceIdentity id;
    try (FileBlockDevice d = new FileBlockDevice(file, 1 << 20, 512)) {
      d.write(8, Unpooled.wrappedBuffer(data), true);
      d.saveReservations(new byte[] {1, 9});
      id = d.identity();
    }
    assertEquals(1 << 20, Files.size(file));
    assertEquals(true, Files.exists(dir.resolve("keep.img.pr")));
    try (FileBlockDevice d = FileBlockDevice.open(file, 512)) {
      assertArrayEquals(data, read(d, 8, 8));
      assertArrayEquals(new byte[] {1, 9}, d.loadReservations());
      assertEquals(id, d.identity());
      assertEquals(2048, d.blockCount());
    }
  }

  @Test
  void refusesToShrinkAFile() throws Exception {
    Path file = dir.resolve("big.img");
    new FileBlockDevice(file, 1 << 20, 512).close();
    assertThrows(IllegalArgumentException.class, () -> new FileBlockDevice(file, 1 << 19, 512));
  }
}
