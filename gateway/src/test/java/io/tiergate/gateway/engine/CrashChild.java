package io.tiergate.gateway.engine;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The process {@link CrashRecoveryIT} kills: opens the engine and writes to slots of one
 * volume until it is killed, announcing each operation before it starts ({@code I seq slot
 * kind}), each FUA operation when it returns ({@code D seq}) and each returned flush ({@code F
 * seq}: everything up to seq is durable). Content is a pure function of (kind, seq, slot), so
 * the parent can recompute what any operation wrote.
 *
 * <p>Beside the writes, a second thread plays the cloud tier: it reads slots (with a heat
 * granularity of zero, so read heat rewrites chunk records) and commits dirty chunks into
 * packs, so a kill also lands in those batches and the verifier checks the tiering index after
 * them. Nothing is evicted: the parent reads every slot back without a cloud.
 */
public final class CrashChild {
  static final String VOLUME = "crash";
  static final long VOLUME_BYTES = 4L << 30;
  /** Slots are 40 KiB and not chunk-aligned, so writes read-modify-write shared chunks. */
  static final int SLOT_BYTES = 40 << 10;
  static final int SLOTS_PER_RUN = 400;

  static final int WRITE_UNIQUE = 0;
  static final int WRITE_SHARED = 1;
  static final int UNMAP = 2;

  private CrashChild() {}

  static long slotLba(long slot) {
    return slot * SLOT_BYTES / 512;
  }

  /** The bytes a write of {@code kind} by operation {@code seq} puts in {@code slot}. */
  static byte[] content(int kind, long seq, long slot) {
    byte[] b = new byte[SLOT_BYTES];
    switch (kind) {
      case WRITE_UNIQUE -> new Random(seq * 31 + slot).nextBytes(b);
      case WRITE_SHARED -> {
        // Few distinct images: many slots share chunks' worth of equal data (dedup).
        new Random(seq % 3).nextBytes(b);
      }
      default -> { }
    }
    return b;
  }

  /** Arguments: data directory, run number, seed. */
  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    int run = Integer.parseInt(args[1]);
    long seed = Long.parseLong(args[2]);
    PrintStream out = System.out;
    BlockEngine engine =
        BlockEngine.openWithLocalKey(dir, EngineConfig.small().withHeatGranularity(0));
    Volume v = engine.volume(VOLUME);
    Random rnd = new Random(seed);
    long base = (long) run * SLOTS_PER_RUN;
    Thread tier = new Thread(() -> playTier(engine, v, base, new Random(~seed)), "crash-tier");
    tier.setDaemon(true);
    tier.start();
    out.println("READY .");
    out.flush();
    for (long seq = 1; ; seq++) {
      long slot = base + rnd.nextInt(SLOTS_PER_RUN);
      int r = rnd.nextInt(10);
      int kind = r < 6 ? WRITE_UNIQUE : r < 9 ? WRITE_SHARED : UNMAP;
      boolean fua = rnd.nextInt(3) == 0;
      out.println("I " + seq + " " + slot + " " + kind + " .");
      out.flush();
      if (kind == UNMAP) {
        v.unmap(slotLba(slot), SLOT_BYTES / 512);
        if (fua) {
          v.flush();
        }
      } else {
        v.write(slotLba(slot), Unpooled.wrappedBuffer(content(kind, seq, slot)), fua);
      }
      if (fua) {
        out.println("D " + seq + " .");
      }
      if (seq % 10 == 0) {
        v.flush();
        out.println("F " + seq + " .");
      }
      out.flush();
    }
  }

  private static void playTier(BlockEngine engine, Volume v, long base, Random rnd) {
    ChunkTierStore t = engine.tierStore();
    while (true) {
      ByteBuf b = Unpooled.buffer(SLOT_BYTES);
      v.read(slotLba(base + rnd.nextInt(SLOTS_PER_RUN)), SLOT_BYTES / 512, b);
      b.release();
      List<ChunkTierStore.DirtyChunk> dirty = t.dirtyChunks(Long.MAX_VALUE, 1 << 20);
      if (dirty.isEmpty()) {
        continue;
      }
      List<ChunkTierStore.Placement> ps = new ArrayList<>();
      long off = 0;
      for (ChunkTierStore.DirtyChunk d : dirty) {
        ps.add(new ChunkTierStore.Placement(d.id(), ps.size(), off, d.stored().length + 16));
        off += d.stored().length + 16;
      }
      t.commitPack(new PackRecord(new byte[16], 1, new byte[16], off, false, 0), ps, -1);
    }
  }
}
