package io.tiergate.iscsi.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.tiergate.iscsi.spi.BlockDevice;
import io.tiergate.iscsi.spi.BlockDeviceException;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What every {@link BlockDevice} must do, checked against a plain byte array as the model.
 * Implementations' tests extend this and say how to make a device of a given size.
 */
abstract class BlockDeviceContract {

  abstract BlockDevice create(long sizeBytes, int blockSize) throws Exception;

  static byte[] read(BlockDevice d, long lba, int blocks) {
    ByteBuf out = Unpooled.buffer();
    try {
      d.read(lba, blocks, out);
      return ByteBufUtil.getBytes(out);
    } finally {
      out.release();
    }
  }

  @Test
  void randomWritesMatchAByteArrayModel() throws Exception {
    int bs = 512;
    int blocks = 2048;
    byte[] model = new byte[bs * blocks];
    Random rnd = new Random(42);
    try (BlockDevice d = create((long) bs * blocks, bs)) {
      assertEquals(blocks, d.blockCount());
      assertEquals(bs, d.blockSize());
      for (int i = 0; i < 300; i++) {
        int lba = rnd.nextInt(blocks);
        int n = 1 + rnd.nextInt(Math.min(300, blocks - lba));
        int op = rnd.nextInt(10);
        if (op < 6) {
          byte[] data = new byte[n * bs];
          rnd.nextBytes(data);
          d.write(lba, Unpooled.wrappedBuffer(data), rnd.nextBoolean());
          System.arraycopy(data, 0, model, lba * bs, data.length);
        } else if (op < 8) {
          d.unmap(lba, n);
          java.util.Arrays.fill(model, lba * bs, (lba + n) * bs, (byte) 0);
        } else {
          byte[] block = new byte[bs];
          if (rnd.nextBoolean()) {
            rnd.nextBytes(block);
          }
          d.writeSame(lba, n, Unpooled.wrappedBuffer(block), rnd.nextBoolean(), false);
          for (int b = 0; b < n; b++) {
            System.arraycopy(block, 0, model, (lba + b) * bs, bs);
          }
        }
      }
      d.flush();
      assertArrayEquals(model, read(d, 0, blocks));
    }
  }

  @Test
  void unwrittenReadsZeroAndUnmapDeallocates() throws Exception {
    try (BlockDevice d = create(4L << 20, 4096)) {
      assertTrue(d.thinProvisioned());
      assertArrayEquals(new byte[8 * 4096], read(d, 100, 8));
      List<BlockDevice.LbaExtent> fresh = d.lbaStatus(0, 10);
      assertEquals(1, fresh.size());
      assertEquals(new BlockDevice.LbaExtent(0, d.blockCount(), false), fresh.get(0));
      byte[] ones = new byte[32 * 4096];
      java.util.Arrays.fill(ones, (byte) 1);
      d.write(16, Unpooled.wrappedBuffer(ones), false);
      List<BlockDevice.LbaExtent> some = d.lbaStatus(0, 10);
      assertEquals(new BlockDevice.LbaExtent(0, 16, false), some.get(0));
      assertEquals(new BlockDevice.LbaExtent(16, 32, true), some.get(1));
      assertEquals(48, some.get(2).lba());
      assertEquals(1, d.lbaStatus(0, 1).size());
      d.unmap(16, 32);
      assertArrayEquals(new byte[32 * 4096], read(d, 16, 32));
      assertEquals(1, d.lbaStatus(0, 10).size());
    }
  }

  @Test
  void compareAndWriteIsAtomicAndReportsTheFirstDifference() throws Exception {
    try (BlockDevice d = create(1 << 20, 512)) {
      byte[] a = new byte[1024];
      java.util.Arrays.fill(a, (byte) 'A');
      byte[] b = new byte[1024];
      java.util.Arrays.fill(b, (byte) 'B');
      d.write(10, Unpooled.wrappedBuffer(a), false);
      assertEquals(-1, d.compareAndWrite(10, Unpooled.wrappedBuffer(a), Unpooled.wrappedBuffer(b),
          false));
      assertArrayEquals(b, read(d, 10, 2));
      byte[] almost = b.clone();
      almost[777] = 'x';
      assertEquals(777, d.compareAndWrite(10, Unpooled.wrappedBuffer(almost),
          Unpooled.wrappedBuffer(a), true));
      assertArrayEquals(b, read(d, 10, 2));
    }
  }

  @Test
  void concurrentCompareAndWriteNeverLosesAnIncrement() throws Exception {
    try (BlockDevice d = create(1 << 20, 512)) {
      ExecutorService pool = Executors.newFixedThreadPool(4);
      AtomicInteger swaps = new AtomicInteger();
      try {
        Future<?>[] fs = new Future<?>[4];
        for (int t = 0; t < 4; t++) {
          fs[t] = pool.submit(() -> {
            int done = 0;
            while (done < 200) {
              byte[] cur = read(d, 0, 1);
              byte[] next = cur.clone();
              long v = Unpooled.wrappedBuffer(cur).getLong(0) + 1;
              Unpooled.wrappedBuffer(next).setLong(0, v);
              if (d.compareAndWrite(0, Unpooled.wrappedBuffer(cur), Unpooled.wrappedBuffer(next),
                  false) < 0) {
                done++;
                swaps.incrementAndGet();
              }
              // a concurrent plain write elsewhere in the same chunk must not interfere
              d.write(1, Unpooled.wrappedBuffer(new byte[512]), false);
            }
            return null;
          });
        }
        for (Future<?> f : fs) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
      assertEquals(800, Unpooled.wrappedBuffer(read(d, 0, 1)).getLong(0));
      assertEquals(800, swaps.get());
    }
  }

  @Test
  void rangesOutsideTheDeviceAreRejected() throws Exception {
    try (BlockDevice d = create(1 << 20, 512)) {
      BlockDeviceException e = assertThrows(BlockDeviceException.class,
          () -> d.read(d.blockCount() - 1, 2, Unpooled.buffer()));
      assertEquals(BlockDeviceException.Kind.LBA_OUT_OF_RANGE, e.kind());
      assertThrows(BlockDeviceException.class,
          () -> d.write(d.blockCount(), Unpooled.wrappedBuffer(new byte[512]), false));
      assertThrows(BlockDeviceException.class, () -> d.unmap(-1, 1));
    }
  }

  @Test
  void reservationsRoundTrip() throws Exception {
    try (BlockDevice d = create(1 << 20, 512)) {
      assertNull(d.loadReservations());
      d.saveReservations(new byte[] {1, 2, 3});
      assertArrayEquals(new byte[] {1, 2, 3}, d.loadReservations());
      d.saveReservations(new byte[] {4});
      assertArrayEquals(new byte[] {4}, d.loadReservations());
    }
  }
}
