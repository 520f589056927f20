package io.tiergate.gateway.engine;

import io.netty.buffer.ByteBuf;
import io.tiergate.gateway.kv.Column;
import io.tiergate.gateway.kv.KvBatch;
import io.tiergate.gateway.kv.KvException;
import io.tiergate.gateway.kv.KvIterator;
import io.tiergate.gateway.kv.KvSnapshot;
import io.tiergate.gateway.kv.KvStore;
import io.tiergate.gateway.kv.KvView;
import io.tiergate.iscsi.spi.BlockDevice;
import io.tiergate.iscsi.spi.BlockDeviceException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * One thin, deduplicated volume of a {@link BlockEngine}, as an iSCSI {@link BlockDevice} with
 * 512-byte blocks.
 *
 * <p>Every command is cut at chunk boundaries into groups of at most {@code
 * maxChunksPerBatch} chunks; each group takes its block locks, builds whole chunk images
 * (reading the current image where the command covers a chunk partly), and is committed by the
 * engine as one batch. A multi-group command is therefore not atomic as a whole, which SCSI
 * does not ask of WRITE; COMPARE AND WRITE holds the locks of its whole range from the compare
 * to the commit and is atomic against every other write.
 *
 * <p>Reads take no lock: they read a store snapshot, consistent across the chunks of the
 * command. The handle stays valid while the engine is open and the volume exists; closing it
 * (the SPI's {@link #close()}) does nothing, the engine owns it.
 *
 * <p>Snapshots: every write holds the volume's map lock shared, taken before its block locks,
 * so that a snapshot (which takes it exclusively) falls between two writes; see {@link
 * Snapshots}. A clone ({@link #origin()} set) reads its origin snapshot wherever its own map
 * has no entry, and keeps hole markers where it was zeroed over its origin's data.
 */
public final class Volume implements BlockDevice {
  /** Logical block size of every volume. */
  public static final int BLOCK_SIZE = 512;

  private final BlockEngine engine;
  private final KvStore kv;
  private volatile VolumeInfo info;
  private volatile String unavailable;
  private final long origin;
  private final ReentrantReadWriteLock mapLock = new ReentrantReadWriteLock();
  private volatile BlockMapChange.Epochs epochs;

  Volume(BlockEngine engine, VolumeInfo info) {
    this(engine, info, 0, BlockMapChange.Epochs.NONE);
  }

  Volume(BlockEngine engine, VolumeInfo info, long origin, BlockMapChange.Epochs epochs) {
    this.engine = engine;
    this.kv = engine.store();
    this.info = info;
    this.origin = origin;
    this.epochs = epochs;
  }

  /** The snapshot this volume was cloned from, or 0. */
  public long origin() {
    return origin;
  }

  ReentrantReadWriteLock mapLock() {
    return mapLock;
  }

  BlockMapChange.Epochs epochs() {
    return epochs;
  }

  void setEpochs(BlockMapChange.Epochs e) {
    epochs = e;
  }

  /** The volume's configuration. */
  public VolumeInfo info() {
    return info;
  }

  void setInfo(VolumeInfo i) {
    info = i;
  }

  void markDeleted() {
    unavailable = "volume was deleted";
  }

  void markClosed() {
    unavailable = "engine is shut down";
  }

  @Override
  public int blockSize() {
    return BLOCK_SIZE;
  }

  @Override
  public long blockCount() {
    return info.sizeBytes() / BLOCK_SIZE;
  }

  @Override
  public boolean thinProvisioned() {
    return true;
  }

  @Override
  public DeviceIdentity identity() {
    VolumeInfo i = info;
    return new DeviceIdentity(i.uuid().toString().replace("-", ""), i.uuid());
  }

  private VolumeInfo check(long lba, long blocks) {
    String why = unavailable;
    if (why != null) {
      throw new BlockDeviceException(BlockDeviceException.Kind.NOT_READY, why);
    }
    VolumeInfo i = info;
    long count = i.sizeBytes() / BLOCK_SIZE;
    if (lba < 0 || blocks < 0 || lba > count || blocks > count - lba) {
      throw new BlockDeviceException(BlockDeviceException.Kind.LBA_OUT_OF_RANGE,
          "LBA range outside the volume");
    }
    return i;
  }

  // ------------------------------------------------------------------ reads

  @Override
  public void read(long lba, int blocks, ByteBuf out) {
    if (origin != 0) {
      readVia(lba, blocks, out, () -> engine.snapshots().liveSource(this));
      return;
    }
    VolumeInfo i = check(lba, blocks);
    if (blocks == 0) {
      return;
    }
    try (KvSnapshot snap = kv.snapshot()) {
      readRange(snap, null, i, lba * BLOCK_SIZE, (long) blocks * BLOCK_SIZE, bufferSink(out));
    } catch (KvException e) {
      throw BlockEngine.ioError(e, false);
    }
  }

  private static Sink bufferSink(ByteBuf out) {
    return new Sink() {
      @Override
      public void data(byte[] b, int off, int len) {
        out.writeBytes(b, off, len);
      }

      @Override
      public void zeros(int len) {
        out.writeZero(len);
      }
    };
  }

  /**
   * Reads through the block map {@code source} gives (a snapshot of this volume, or this
   * clone's live map with its origin), on a store snapshot consistent with it.
   */
  void readVia(long lba, int blocks, ByteBuf out, Supplier<SnapshotReader.Source> source) {
    VolumeInfo i = check(lba, blocks);
    if (blocks == 0) {
      return;
    }
    try {
      engine.snapshots().read(source, (snap, src) -> {
        readRange(snap, src, i, lba * BLOCK_SIZE, (long) blocks * BLOCK_SIZE, bufferSink(out));
        return null;
      });
    } catch (KvException e) {
      throw BlockEngine.ioError(e, false);
    }
  }

  /** Where read bytes go, in order. */
  private interface Sink {
    void data(byte[] b, int off, int len);

    void zeros(int len);
  }

  /** The chunk IDs at {@code [g, g + n)}: the live map, or {@code src} when it is not null. */
  private static List<byte[]> chunkIds(KvView view, SnapshotReader.Source src, VolumeInfo i,
      long g, int n) {
    if (src != null) {
      long[] idx = new long[n];
      for (int k = 0; k < n; k++) {
        idx[k] = g + k;
      }
      return Arrays.asList(SnapshotReader.resolve(view, src, idx, n));
    }
    List<byte[]> keys = new ArrayList<>(n);
    for (int k = 0; k < n; k++) {
      keys.add(Layout.blockKey(i.id(), Layout.LIVE_EPOCH, g + k));
    }
    List<byte[]> ids = view.multiGet(Column.BLOCKMAP, keys);
    for (int k = 0; k < n; k++) {
      byte[] v = ids.get(k);
      if (v != null && v.length != 32) {
        ids = new ArrayList<>(ids);
        for (int m = k; m < n; m++) {
          ids.set(m, Layout.chunkId(ids.get(m)));
        }
        break;
      }
    }
    return ids;
  }

  private void readRange(KvView view, SnapshotReader.Source src, VolumeInfo i, long start,
      long len, Sink sink) {
    int cs = i.chunkSize();
    long first = start / cs;
    long last = (start + len - 1) / cs;
    int group = engine.config().maxChunksPerBatch();
    for (long g = first; g <= last; g += group) {
      int n = (int) Math.min(group, last + 1 - g);
      List<byte[]> ids = chunkIds(view, src, i, g, n);
      ChunkCache cache = engine.chunkCache();
      byte[][] cached = new byte[n][];
      List<byte[]> missing = new ArrayList<>(n);
      int hits = 0;
      for (int k = 0; k < n; k++) {
        byte[] id = ids.get(k);
        if (id != null && (cached[k] = cache.get(id)) == null) {
          missing.add(id);
        } else if (id != null) {
          hits++;
        }
      }
      if (hits > 0) {
        engine.readObserver().localChunks(hits);
      }
      engine.noteReads(ids);
      List<byte[]> data =
          missing.isEmpty() ? List.of() : engine.fetchForRead(view, missing, i, g + n);
      int next = 0;
      for (int k = 0; k < n; k++) {
        long chunkStart = (g + k) * cs;
        long a = Math.max(start, chunkStart);
        long b = Math.min(start + len, chunkStart + cs);
        byte[] id = ids.get(k);
        if (id == null) {
          sink.zeros((int) (b - a));
          continue;
        }
        byte[] img = cached[k];
        if (img == null) {
          img = new byte[cs];
          decode(data.get(next++), img);
          // A chunk read in part is likely read again soon (the rest of it, or the same blocks);
          // one read whole is usually a stream passing by, which would only push out hot images.
          if (b - a < cs) {
            cache.put(id, img);
          }
        }
        sink.data(img, (int) (a - chunkStart), (int) (b - a));
      }
    }
  }

  private static void decode(byte[] stored, byte[] image) {
    try {
      ChunkCodec.decode(stored, image, 0);
    } catch (IllegalStateException e) {
      throw new BlockDeviceException(BlockDeviceException.Kind.UNRECOVERED_READ_ERROR,
          "stored chunk is damaged", e);
    }
  }

  /** The current image of one chunk, for a caller holding its block lock. */
  private void readChunkLocked(VolumeInfo i, long index, byte[] image) {
    byte[] raw = kv.get(Column.BLOCKMAP, Layout.blockKey(i.id(), Layout.LIVE_EPOCH, index));
    byte[] id = Layout.chunkId(raw);
    if (raw == null && origin != 0) {
      // Nothing of its own here: the clone's origin, read consistently with its deltas.
      engine.snapshots().read(() -> engine.snapshots().liveSource(this), (snap, src) -> {
        byte[] oid = SnapshotReader.resolve(snap, src, new long[] {index}, 1)[0];
        if (oid == null) {
          Arrays.fill(image, (byte) 0);
        } else {
          decode(engine.fetch(snap, List.of(oid)).get(0), image);
        }
        return null;
      });
      return;
    }
    if (id == null) {
      Arrays.fill(image, (byte) 0);
      return;
    }
    decode(engine.fetch(kv, List.of(id)).get(0), image);
  }

  // ------------------------------------------------------------------ writes

  /** Bytes to write, by absolute volume offset. */
  private interface Source {
    void copy(long volumeOffset, byte[] dst, int dstOff, int len);

    /** True when every whole chunk in the range gets the same image (write same, zeroing). */
    default boolean uniform() {
      return false;
    }
  }

  @Override
  public void write(long lba, ByteBuf data, boolean fua) {
    int len = data.readableBytes();
    if (len % BLOCK_SIZE != 0) {
      throw new BlockDeviceException(BlockDeviceException.Kind.WRITE_ERROR,
          "write of a partial block");
    }
    VolumeInfo i = check(lba, len / BLOCK_SIZE);
    if (len == 0) {
      if (fua) {
        flush();
      }
      return;
    }
    long start = lba * BLOCK_SIZE;
    int base = data.readerIndex();
    try {
      writeRange(i, start, len, (off, dst, dstOff, n) ->
          data.getBytes(base + (int) (off - start), dst, dstOff, n), fua, false);
    } catch (KvException e) {
      throw BlockEngine.ioError(e, true);
    }
  }

  private int[] lockChunks(VolumeInfo i, long first, int n) {
    int[] stripes = new int[n];
    for (int k = 0; k < n; k++) {
      stripes[k] = engine.blockLocks().stripe(i.id(), first + k);
    }
    return engine.blockLocks().lockAll(stripes);
  }

  private void writeRange(VolumeInfo i, long start, long len, Source src, boolean sync,
      boolean locksHeld) {
    int cs = i.chunkSize();
    long first = start / cs;
    long last = (start + len - 1) / cs;
    int group = engine.config().maxChunksPerBatch();
    BlockEngine.Content same = null;
    boolean sameKnown = false;
    for (long g = first; g <= last; g += group) {
      int n = (int) Math.min(group, last + 1 - g);
      long[] idx = new long[n];
      BlockEngine.Content[] contents = new BlockEngine.Content[n];
      Lock shared = locksHeld ? null : mapLock.readLock();
      if (shared != null) {
        shared.lock();
      }
      int[] locked = locksHeld ? null : lockChunks(i, g, n);
      try {
        for (int k = 0; k < n; k++) {
          idx[k] = g + k;
          long chunkStart = idx[k] * cs;
          long a = Math.max(start, chunkStart);
          long b = Math.min(start + len, chunkStart + cs);
          boolean whole = a == chunkStart && b == chunkStart + cs;
          if (whole && sameKnown) {
            contents[k] = same;
            continue;
          }
          byte[] image = new byte[cs];
          if (!whole) {
            readChunkLocked(i, idx[k], image);
          }
          src.copy(a, image, (int) (a - chunkStart), (int) (b - a));
          contents[k] = engine.prepare(image, 0, cs);
          if (whole && src.uniform()) {
            same = contents[k];
            sameKnown = true;
          }
        }
        engine.apply(this, idx, contents, n, sync && g + group > last, true);
      } finally {
        if (locked != null) {
          engine.blockLocks().unlockAll(locked);
        }
        if (shared != null) {
          shared.unlock();
        }
      }
    }
  }

  @Override
  public void flush() {
    try {
      engine.sync();
    } catch (KvException e) {
      throw BlockEngine.ioError(e, true);
    }
  }

  @Override
  public void unmap(long lba, long blocks) {
    VolumeInfo i = check(lba, blocks);
    if (blocks == 0) {
      return;
    }
    try {
      zeroRange(i, lba * BLOCK_SIZE, blocks * BLOCK_SIZE, false);
    } catch (KvException e) {
      throw BlockEngine.ioError(e, true);
    }
  }

  /** Zeroes a byte range: partial chunks rewritten, whole chunks released. */
  private void zeroRange(VolumeInfo i, long start, long len, boolean sync) {
    int cs = i.chunkSize();
    long end = start + len;
    long firstWhole = (start + cs - 1) / cs;
    long endWhole = end / cs;
    Source zeros = new Source() {
      @Override
      public void copy(long off, byte[] dst, int dstOff, int n) {
        Arrays.fill(dst, dstOff, dstOff + n, (byte) 0);
      }

      @Override
      public boolean uniform() {
        return true;
      }
    };
    if (firstWhole >= endWhole) {
      writeRange(i, start, len, zeros, sync, false);
      return;
    }
    if (start < firstWhole * cs) {
      writeRange(i, start, firstWhole * cs - start, zeros, false, false);
    }
    releaseChunks(firstWhole, endWhole);
    if (end > endWhole * cs) {
      writeRange(i, endWhole * cs, end - endWhole * cs, zeros, false, false);
    }
    if (sync) {
      engine.sync();
    }
  }

  /**
   * Turns chunks {@code [from, to)} into holes, visiting only those that are mapped: in its
   * own map, and for a clone also in its origin's (where it needs hole markers).
   */
  void releaseChunks(long from, long to) {
    VolumeInfo i = info;
    int group = engine.config().maxChunksPerBatch();
    List<long[]> ranges = new ArrayList<>();
    ranges.add(new long[] {i.id(), Layout.LIVE_EPOCH});
    for (SnapshotReader.Source s = origin == 0 ? null : engine.snapshots().liveSource(this)
        .origin(); s != null; s = s.origin()) {
      for (long e : s.epochs()) {
        ranges.add(new long[] {s.volumeId(), e});
      }
      ranges.add(new long[] {s.volumeId(), Layout.LIVE_EPOCH});
    }
    long next = from;
    while (next < to) {
      TreeSet<Long> found = new TreeSet<>();
      for (long[] r : ranges) {
        try (KvIterator it = kv.scan(Column.BLOCKMAP, Layout.blockKey(r[0], r[1], next),
            Layout.blockKey(r[0], r[1], to))) {
          for (int k = 0; it.valid() && k < group; it.next(), k++) {
            found.add(Layout.blockKeyIndex(it.key()));
          }
        }
      }
      if (found.isEmpty()) {
        return;
      }
      long[] idx = found.stream().limit(group).mapToLong(Long::longValue).toArray();
      int n = idx.length;
      int[] stripes = new int[n];
      for (int k = 0; k < n; k++) {
        stripes[k] = engine.blockLocks().stripe(i.id(), idx[k]);
      }
      Lock shared = mapLock.readLock();
      shared.lock();
      int[] locked = engine.blockLocks().lockAll(stripes);
      try {
        engine.apply(this, idx, new BlockEngine.Content[n], n, false, true);
      } finally {
        engine.blockLocks().unlockAll(locked);
        shared.unlock();
      }
      next = idx[n - 1] + 1;
    }
  }

  @Override
  public void writeSame(long lba, long blocks, ByteBuf block, boolean unmap, boolean fua) {
    if (block.readableBytes() != BLOCK_SIZE) {
      throw new BlockDeviceException(BlockDeviceException.Kind.WRITE_ERROR,
          "write same needs exactly one block");
    }
    VolumeInfo i = check(lba, blocks);
    try {
      if (blocks == 0) {
        if (fua) {
          engine.sync();
        }
        return;
      }
      if (BlockDevice.isAllZero(block)) {
        // Zeros are holes whether or not the initiator asked to unmap.
        zeroRange(i, lba * BLOCK_SIZE, blocks * BLOCK_SIZE, fua);
        return;
      }
      byte[] pattern = new byte[BLOCK_SIZE];
      block.getBytes(block.readerIndex(), pattern);
      Source src = new Source() {
        @Override
        public void copy(long off, byte[] dst, int dstOff, int n) {
          for (int k = 0; k < n; ) {
            int p = (int) ((off + k) % BLOCK_SIZE);
            int m = Math.min(n - k, BLOCK_SIZE - p);
            System.arraycopy(pattern, p, dst, dstOff + k, m);
            k += m;
          }
        }

        @Override
        public boolean uniform() {
          return true;
        }
      };
      writeRange(i, lba * BLOCK_SIZE, blocks * BLOCK_SIZE, src, fua, false);
    } catch (KvException e) {
      throw BlockEngine.ioError(e, true);
    }
  }

  @Override
  public long compareAndWrite(long lba, ByteBuf compare, ByteBuf write, boolean fua) {
    int len = compare.readableBytes();
    if (len != write.readableBytes() || len % BLOCK_SIZE != 0) {
      throw new BlockDeviceException(BlockDeviceException.Kind.WRITE_ERROR,
          "compare and write needs equal whole-block buffers");
    }
    VolumeInfo i = check(lba, len / BLOCK_SIZE);
    if (len == 0) {
      return -1;
    }
    long start = lba * BLOCK_SIZE;
    int cs = i.chunkSize();
    long first = start / cs;
    int n = (int) ((start + len - 1) / cs - first + 1);
    Lock shared = mapLock.readLock();
    shared.lock();
    int[] locked = lockChunks(i, first, n);
    try {
      byte[] current = new byte[len];
      int[] pos = {0};
      Sink into = new Sink() {
        @Override
        public void data(byte[] b, int off, int l) {
          System.arraycopy(b, off, current, pos[0], l);
          pos[0] += l;
        }

        @Override
        public void zeros(int l) {
          pos[0] += l;
        }
      };
      if (origin == 0) {
        readRange(kv, null, i, start, len, into);
      } else {
        engine.snapshots().read(() -> engine.snapshots().liveSource(this), (snap, src) -> {
          readRange(snap, src, i, start, len, into);
          return null;
        });
      }
      // One bulk copy, then a vectorised compare: per-byte ByteBuf access is slow, and under
      // Netty's paranoid leak detection every access records a stack trace.
      byte[] expected = new byte[len];
      compare.getBytes(compare.readerIndex(), expected);
      int differs = Arrays.mismatch(expected, current);
      if (differs >= 0) {
        return differs;
      }
      int wbase = write.readerIndex();
      writeRange(i, start, len, (off, dst, dstOff, m) ->
          write.getBytes(wbase + (int) (off - start), dst, dstOff, m), fua, true);
      return -1;
    } catch (KvException e) {
      throw BlockEngine.ioError(e, true);
    } finally {
      engine.blockLocks().unlockAll(locked);
      shared.unlock();
    }
  }

  @Override
  public List<LbaExtent> lbaStatus(long lba, int maxExtents) {
    VolumeInfo i = check(lba, 0);
    long total = i.sizeBytes() / BLOCK_SIZE;
    List<LbaExtent> out = new ArrayList<>();
    if (lba >= total || maxExtents <= 0) {
      return out;
    }
    if (origin != 0) {
      // A clone's entries fall through to its origin's: reported mapped, which is always safe.
      out.add(new LbaExtent(lba, total - lba, true));
      return out;
    }
    long bpc = i.chunkSize() / BLOCK_SIZE;
    long pos = lba;
    try (KvIterator it = kv.scan(Column.BLOCKMAP,
        Layout.blockKey(i.id(), Layout.LIVE_EPOCH, lba / bpc),
        Layout.blockKey(i.id(), Layout.LIVE_EPOCH + 1, 0))) {
      for (; it.valid() && out.size() <= maxExtents; it.next()) {
        long idx = Layout.blockKeyIndex(it.key());
        long ms = Math.max(idx * bpc, lba);
        long me = Math.min((idx + 1) * bpc, total);
        if (ms >= total) {
          break;
        }
        if (ms > pos) {
          out.add(new LbaExtent(pos, ms - pos, false));
          pos = ms;
        }
        LbaExtent prev = out.isEmpty() ? null : out.get(out.size() - 1);
        if (prev != null && prev.mapped() && prev.lba() + prev.blocks() == pos) {
          out.set(out.size() - 1, new LbaExtent(prev.lba(), me - prev.lba(), true));
        } else {
          out.add(new LbaExtent(pos, me - pos, true));
        }
        pos = me;
      }
    } catch (KvException e) {
      throw BlockEngine.ioError(e, false);
    }
    if (pos < total && out.size() <= maxExtents) {
      out.add(new LbaExtent(pos, total - pos, false));
    }
    return out.size() > maxExtents ? new ArrayList<>(out.subList(0, maxExtents)) : out;
  }

  @Override
  public byte[] loadReservations() {
    check(0, 0);
    try {
      return kv.get(Column.VOLUMES, Layout.volumeKey(info.id(), Layout.VOLUME_RESERVATIONS));
    } catch (KvException e) {
      throw BlockEngine.ioError(e, false);
    }
  }

  @Override
  public void saveReservations(byte[] state) {
    check(0, 0);
    try (KvBatch b = kv.newBatch()) {
      byte[] key = Layout.volumeKey(info.id(), Layout.VOLUME_RESERVATIONS);
      if (state == null) {
        b.delete(Column.VOLUMES, key);
      } else {
        b.put(Column.VOLUMES, key, state.clone());
      }
      kv.write(b, true);
    } catch (KvException e) {
      throw BlockEngine.ioError(e, true);
    }
  }

  /** Does nothing: the engine owns volumes and closes them with itself. */
  @Override
  public void close() {}

  @Override
  public String toString() {
    return "Volume[" + info.name() + "]";
  }
}
