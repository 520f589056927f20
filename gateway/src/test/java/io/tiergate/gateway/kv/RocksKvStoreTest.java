package io.tiergate.gateway.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key-value store's contract: batches, counters, ordered bounded scans, snapshots. */
class RocksKvStoreTest {
  @TempDir
  Path dir;

  private static byte[] key(long v) {
    byte[] k = new byte[8];
    Keys.putLong(k, 0, v);
    return k;
  }

  @Test
  void batchesScansCountersAndSnapshots() {
    try (KvStore kv = KvStore.open(dir, KvConfig.small())) {
      assertNull(kv.get(Column.BLOCKMAP, key(1)));
      try (KvBatch b = kv.newBatch()) {
        for (long i : new long[] {1, 255, 256, -1, 7}) {
          b.put(Column.BLOCKMAP, key(i), key(i * 10));
        }
        b.add("n".getBytes(), 5);
        b.add("n".getBytes(), -2);
        assertEquals(7, b.count());
        kv.write(b, true);
      }
      assertEquals(3, kv.counter("n".getBytes()));
      // Big-endian keys scan in unsigned numeric order; the end bound is exclusive.
      List<Long> seen = new ArrayList<>();
      try (KvIterator it = kv.scan(Column.BLOCKMAP, key(2), key(-1))) {
        for (; it.valid(); it.next()) {
          seen.add(Keys.getLong(it.key(), 0));
        }
      }
      assertEquals(List.of(7L, 255L, 256L), seen);
      try (KvIterator it = kv.scanPrefix(Column.BLOCKMAP, new byte[7])) {
        int n = 0;
        for (; it.valid(); it.next()) {
          n++;
        }
        assertEquals(3, n, "keys 1, 7 and 255 start with seven zero bytes");
      }
      try (KvSnapshot snap = kv.snapshot()) {
        try (KvBatch b = kv.newBatch()) {
          b.delete(Column.BLOCKMAP, key(7));
          b.add("n".getBytes(), 10);
          kv.write(b, false);
        }
        assertArrayEquals(key(70), snap.get(Column.BLOCKMAP, key(7)));
        assertEquals(3, snap.counter("n".getBytes()));
        assertNull(kv.get(Column.BLOCKMAP, key(7)));
        assertEquals(13, kv.counter("n".getBytes()));
        List<byte[]> got = snap.multiGet(Column.BLOCKMAP, List.of(key(7), key(8), key(1)));
        assertArrayEquals(key(70), got.get(0));
        assertNull(got.get(1));
        assertArrayEquals(key(10), got.get(2));
      }
      kv.sync();
    }
    try (KvStore kv = KvStore.open(dir, KvConfig.small())) {
      assertEquals(13, kv.counter("n".getBytes()));
      assertNull(kv.get(Column.BLOCKMAP, key(7)));
    }
  }

  @Test
  void chunkDataGoesToBlobFiles() {
    try (KvStore kv = KvStore.open(dir, KvConfig.small())) {
      byte[] big = new byte[64 << 10];
      Arrays.fill(big, (byte) 3);
      for (int i = 0; i < 64; i++) {
        try (KvBatch b = kv.newBatch()) {
          b.put(Column.CHUNKDATA, key(i), big);
          kv.write(b, false);
        }
      }
      kv.compact(Column.CHUNKDATA);
      assertTrue(kv.longProperty(Column.CHUNKDATA, "rocksdb.total-blob-file-size")
          >= 64L * (64 << 10), "chunk bytes are in blob files");
      assertTrue(kv.longProperty(Column.CHUNKDATA, "rocksdb.total-sst-files-size")
          < 64L * (64 << 10) / 4, "SST files hold only references");
      assertTrue(kv.diskBytes() > 0);
    }
  }

  @Test
  void closedStoreAndSecondOpenFailWithTypedErrors() {
    KvStore kv = KvStore.open(dir, KvConfig.small());
    KvException locked = assertThrows(KvException.class, () -> KvStore.open(dir,
        KvConfig.small()));
    assertFalse(locked.getMessage().isEmpty());
    kv.close();
    kv.close();
    KvException closed = assertThrows(KvException.class, () -> kv.get(Column.META, key(1)));
    assertEquals(KvException.Code.CLOSED, closed.code());
  }

  @Test
  void aCloseThatCannotCloseSaysSoAndLeavesTheStoreUsable() {
    KvStore kv = KvStore.open(dir, KvConfig.small());
    try {
      try (KvBatch b = kv.newBatch()) {
        b.put(Column.META, key(1), key(2));
        kv.write(b, true);
      }
      Thread.currentThread().interrupt();
      KvException e = assertThrows(KvException.class, kv::close);
      assertTrue(Thread.interrupted(), "the interrupt is kept");
      assertTrue(e.getMessage().contains("left open"), e.getMessage());
      assertArrayEquals(key(2), kv.get(Column.META, key(1)), "still open after the failed close");
    } finally {
      kv.close();
    }
    try (KvStore again = KvStore.open(dir, KvConfig.small())) {
      assertArrayEquals(key(2), again.get(Column.META, key(1)));
    }
  }

  @Test
  void prefixEndHandlesAllOnes() {
    assertArrayEquals(new byte[] {1, 3}, Keys.prefixEnd(new byte[] {1, 2}));
    assertArrayEquals(new byte[] {2}, Keys.prefixEnd(new byte[] {1, (byte) 0xff}));
    assertNull(Keys.prefixEnd(new byte[] {(byte) 0xff, (byte) 0xff}));
  }
}
