package io.tiergate.gateway.engine;

import io.netty.buffer.Unpooled;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * The process {@link SnapshotCrashIT} kills: writes (FUA), unmaps, snapshots, snapshot
 * deletes and restores on one volume until it dies, announcing each operation before it
 * starts ({@code I seq kind first count id .}) and when it returns ({@code D seq result .}).
 * With a halt count it also stops itself with {@code Runtime.halt} (no shutdown of anything,
 * as a SIGKILL) after that many batches of snapshot creations, deletions and restores, so
 * that crashes land between their batches (and after a creation's only one) and not only
 * between operations. Chunk content is a pure function of
 * a tag (run, seq, chunk), so the parent can recompute any image.
 */
public final class SnapshotCrashChild {
  static final String VOLUME = "snap";
  static final int CHUNK = 32 << 10;
  static final int CHUNKS = 512;

  static final int WRITE = 0;
  static final int UNMAP = 1;
  static final int SNAPSHOT = 2;
  static final int DELETE = 3;
  static final int RESTORE = 4;

  private SnapshotCrashChild() {}

  static long tag(int run, long seq, int chunk) {
    return ((long) (run + 1) << 40) | (seq << 12) | chunk;
  }

  /** The image a chunk with {@code tag} holds (0: zeros). */
  static byte[] content(long tag) {
    byte[] b = new byte[CHUNK];
    if (tag != 0) {
      new Random(tag).nextBytes(b);
    }
    return b;
  }

  /** Arguments: data directory, run number, seed, batches before halting (0: never). */
  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    int run = Integer.parseInt(args[1]);
    Random rnd = new Random(Long.parseLong(args[2]));
    int haltAfter = Integer.parseInt(args[3]);
    PrintStream out = System.out;
    BlockEngine engine = BlockEngine.openWithLocalKey(dir, EngineConfig.small());
    Volume v = engine.volume(VOLUME);
    if (haltAfter > 0) {
      int[] batches = {0};
      Snapshots.afterBatch = () -> {
        if (++batches[0] == haltAfter) {
          out.flush();
          Runtime.getRuntime().halt(137);
        }
      };
    }
    out.println("READY .");
    out.flush();
    for (long seq = 1; ; seq++) {
      List<SnapshotInfo> snaps = engine.listSnapshots(VOLUME);
      int r = rnd.nextInt(20);
      int kind = r < 9 ? WRITE : r < 11 ? UNMAP : r < 14 ? SNAPSHOT
          : r < 18 || snaps.size() > 8 ? DELETE : RESTORE;
      if (kind == WRITE && snaps.size() > 8) {
        kind = DELETE;
      }
      int first = rnd.nextInt(CHUNKS);
      int count = Math.min(CHUNKS - first, 1 + rnd.nextInt(kind == UNMAP ? 64 : 40));
      long id = 0;
      if (kind == DELETE || kind == RESTORE) {
        if (snaps.isEmpty()) {
          kind = SNAPSHOT;
        } else {
          id = snaps.get(rnd.nextInt(snaps.size())).id();
        }
      }
      out.println("I " + seq + " " + kind + " " + first + " " + count + " " + id + " .");
      out.flush();
      long result = 0;
      switch (kind) {
        case WRITE -> {
          byte[] data = new byte[count * CHUNK];
          for (int c = 0; c < count; c++) {
            System.arraycopy(content(tag(run, seq, first + c)), 0, data, c * CHUNK, CHUNK);
          }
          v.write((long) first * CHUNK / 512, Unpooled.wrappedBuffer(data), true);
        }
        case UNMAP -> {
          v.unmap((long) first * CHUNK / 512, (long) count * CHUNK / 512);
          v.flush();
        }
        case SNAPSHOT -> result = engine.createSnapshot(VOLUME, "seq " + seq).id();
        case DELETE -> engine.deleteSnapshot(id);
        default -> result = engine.restoreVolume(VOLUME, id).id();
      }
      out.println("D " + seq + " " + result + " .");
      out.flush();
    }
  }
}
