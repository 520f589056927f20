package io.tiergate.iscsi.device;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tiergate.iscsi.spi.BlockDevice;
import org.junit.jupiter.api.Test;

class MemoryBlockDeviceTest extends BlockDeviceContract {

  @Override
  BlockDevice create(long sizeBytes, int blockSize) {
    return new MemoryBlockDevice(sizeBytes, blockSize);
  }

  @Test
  void rejectsOddGeometry() {
    assertThrows(IllegalArgumentException.class, () -> new MemoryBlockDevice(1000, 512));
    assertThrows(IllegalArgumentException.class, () -> new MemoryBlockDevice(4096, 1024));
  }

  @Test
  void everyDeviceHasItsOwnIdentity() {
    assertNotEquals(new MemoryBlockDevice(4096, 512).identity(),
        new MemoryBlockDevice(4096, 512).identity());
  }
}
