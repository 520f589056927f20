package io.tiergate.gateway.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.gateway.engine.BlockEngine.Content;
import io.tiergate.gateway.kv.Column;
import io.tiergate.gateway.kv.KvBatch;
import io.tiergate.gateway.kv.KvConfig;
import io.tiergate.gateway.kv.KvStore;
import io.tiergate.iscsi.spi.BlockDeviceException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The two steps of a block-map change on a raw store: what changes, then what is written. */
class BlockMapChangeTest {
  private static final int CHUNK = 4096;
  private static final VolumeInfo VOLUME = new VolumeInfo(7, "v", 1L << 20, CHUNK, false,
      UUID.randomUUID(), 0);

  @TempDir Path dir;
  private KvStore kv;

  @BeforeEach
  void open() {
    kv = KvStore.open(dir, KvConfig.defaults());
  }

  @AfterEach
  void close() {
    kv.close();
  }

  private static Content content(int fill) {
    byte[] plain = new byte[CHUNK];
    Arrays.fill(plain, (byte) fill);
    byte[] id = new byte[32];
    Arrays.fill(id, (byte) fill);
    return new Content(plain, 0, CHUNK, id);
  }

  private void write(BlockMapChange change) {
    try (KvBatch batch = kv.newBatch()) {
      change.writeTo(kv, batch, 1_000);
      kv.write(batch, false);
    }
  }

  private ChunkRecord record(Content c) {
    byte[] raw = kv.get(Column.CHUNKS, c.id);
    return raw == null ? null : ChunkRecord.decode(raw);
  }

  @Test
  void computingReadsOnlyAndNetsRefsWithinTheCommand() {
    Content a = content(1);
    BlockMapChange first =
        BlockMapChange.compute(kv, VOLUME, new long[] {0, 1, 2}, new Content[] {a, a, a}, 3);
    assertFalse(first.isEmpty());
    assertEquals(1, first.chunkIds().size(), "three mappings of one chunk are one delta");
    assertNull(record(a), "computing writes nothing");
    write(first);
    assertEquals(3, record(a).refcount());
    assertEquals(CHUNK, kv.counter(Layout.UNIQUE_BYTES), "one unique chunk");
    assertEquals(3, kv.counter(Layout.volumeCounterKey(VOLUME.id(), Layout.VOL_MAPPED)));

    // Rewriting what is there changes nothing; moving a chunk between entries nets to zero.
    assertTrue(BlockMapChange.compute(kv, VOLUME, new long[] {0, 1}, new Content[] {a, a}, 2)
        .isEmpty());
    Content b = content(2);
    BlockMapChange swap =
        BlockMapChange.compute(kv, VOLUME, new long[] {0, 3}, new Content[] {b, a}, 2);
    write(swap);
    assertEquals(3, record(a).refcount());
    assertEquals(1, record(b).refcount());
    assertArrayEquals(b.id, kv.get(Column.BLOCKMAP, Layout.blockKey(VOLUME.id(),
        Layout.LIVE_EPOCH, 0)));
  }

  @Test
  void theLastReferenceDropsTheRecordAndItsBytes() {
    Content a = content(1);
    write(BlockMapChange.compute(kv, VOLUME, new long[] {5}, new Content[] {a}, 1));
    long stored = kv.counter(Layout.STORED_BYTES);
    assertTrue(stored > 0);
    BlockMapChange hole =
        BlockMapChange.compute(kv, VOLUME, new long[] {5}, new Content[] {null}, 1);
    write(hole);
    assertEquals(-stored, hole.storedBytesDelta());
    assertNull(record(a));
    assertNull(kv.get(Column.CHUNKDATA, a.id));
    assertNull(kv.get(Column.BLOCKMAP, Layout.blockKey(VOLUME.id(), Layout.LIVE_EPOCH, 5)));
    assertEquals(0, kv.counter(Layout.STORED_BYTES));
    assertEquals(0, kv.counter(Layout.CHUNK_COUNT));
  }

  @Test
  void aMapEntryWithoutItsRecordIsAWriteErrorNotANegativeCount() {
    Content a = content(1);
    try (KvBatch batch = kv.newBatch()) {
      batch.put(Column.BLOCKMAP, Layout.blockKey(VOLUME.id(), Layout.LIVE_EPOCH, 0), a.id);
      kv.write(batch, false);
    }
    BlockMapChange change =
        BlockMapChange.compute(kv, VOLUME, new long[] {0}, new Content[] {null}, 1);
    BlockDeviceException e = assertThrows(BlockDeviceException.class, () -> write(change));
    assertEquals(BlockDeviceException.Kind.WRITE_ERROR, e.kind());
  }
}
