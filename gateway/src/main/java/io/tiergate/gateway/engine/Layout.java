package io.tiergate.gateway.engine;

import io.tiergate.gateway.kv.Keys;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;

/**
 * The engine's on-disk layout: keys and records of each column family. All integers are
 * big-endian. Changing anything here is a format change.
 *
 * <pre>
 * volumes   [vol id:8][kind:1]                 kind 0: config, kind 1: reservations
 *           [vol id:8][2][epoch:8]             -> snapshot record, see {@link SnapshotRecord}
 * blockmap  [vol id:8][0][chunk index:8]       -> live entry: [chunk ID:32] (born before any
 *           snapshot: what format 2 wrote), [chunk ID:32][birth epoch:8], or [birth epoch:8]
 *           (a hole a clone keeps over its origin's data)
 *           [vol id:8][epoch:8][chunk index:8] -> delta of the snapshot of that epoch: the
 *           entry the snapshot sees, moved here when the live one changed: [chunk ID:32], empty
 *           (no live entry then: a hole, or a clone's origin) or [0] (a clone's hole)
 *           see {@link Snapshots} for how they are read, moved and dropped
 * chunks    [chunk ID:32] -> chunk record, see {@link ChunkRecord}
 * chunkdata [chunk ID:32] -> stored chunk, see {@link ChunkCodec}; absent when evicted
 * packs     [pack number:8] -> pack record, see {@link PackRecord}
 * tierindex 'd' [last use millis:8][chunk ID:32] -> [volume:8][chunk index:8][stored length:4]
 *               chunks awaiting upload (dirty, no pinned refs); value: locality hint
 *           'c' [last use millis:8][chunk ID:32] -> [stored length:4]
 *               evictable chunks (clean, no pinned refs)
 *           'p' [pack number:8][chunk ID:32] -> [state:1][record index:4][offset:8][sealed:4]
 *               chunks located in a pack (clean or evicted)
 *           derived from the chunk records and written in their batches, see {@link TierIndex}
 * meta      "format" -> [version:4]; "c/..." and "v/[vol id:8]/..." counters (uint64add), among
 *           them "c/dirty-bytes" (stored bytes of the 'd' entries), "v/[vol]e" a volume's last
 *           snapshot epoch and "c/next-snapshot-id";
 *           "r/[vol id:8]" -> a restore in progress, see {@link RestoreRecord};
 *           "p/[pack number:8][l|d]" live and dead sealed bytes of a pack (uint64add, updated in
 *           the same batch as the chunk records that change them)
 * </pre>
 *
 * <p>Format 2 added the tiering index; a format 1 store is upgraded when it is opened (the
 * index is built in one scan of the chunk records, then the format is set to 2). A format 2
 * store is refused by a version that would not keep the index.
 *
 * <p>Format 3 added snapshots and clones: live entries with a birth epoch, snapshot deltas,
 * snapshot and restore records, volume records of version 2 (a clone's origin). Every format 2
 * entry reads unchanged (a 32-byte live entry is born before any snapshot), so the upgrade
 * only sets the version; a format 3 store is refused by a version that would not move
 * preimages into snapshot deltas.
 */
final class Layout {
  private Layout() {}

  static final int FORMAT_VERSION = 3;
  /** The format before the tiering index, upgraded on open. */
  static final int FORMAT_NO_TIER_INDEX = 1;
  /** The format before snapshots, upgraded on open by setting the version. */
  static final int FORMAT_NO_SNAPSHOTS = 2;
  static final long LIVE_EPOCH = 0;

  static final byte VOLUME_CONFIG = 0;
  static final byte VOLUME_RESERVATIONS = 1;
  static final byte VOLUME_SNAPSHOT = 2;

  /** Last snapshot id handed out. */
  static final byte[] NEXT_SNAPSHOT_ID = "c/next-snapshot-id".getBytes();
  /** Per-volume counter: the epoch of its last snapshot (0: none yet). */
  static final byte VOL_EPOCH = 'e';

  // ---------------------------------------------------------------- block-map values

  /** Delta value: no live entry when the snapshot was taken. */
  static final byte[] DELTA_ABSENT = new byte[0];
  /** Delta value: a clone's hole marker when the snapshot was taken. */
  static final byte[] DELTA_HOLE = {0};

  /** The chunk ID of a live or delta value, or null for a hole marker or absent marker. */
  static byte[] chunkId(byte[] value) {
    if (value == null || value.length < 32) {
      return null;
    }
    return value.length == 32 ? value : java.util.Arrays.copyOf(value, 32);
  }

  /** The birth epoch of a live value (0: born before any snapshot). */
  static long birth(byte[] live) {
    return switch (live.length) {
      case 40 -> Keys.getLong(live, 32);
      case 8 -> Keys.getLong(live, 0);
      default -> 0;
    };
  }

  /** A live value: {@code id} born at {@code birth} (null id: a clone's hole marker). */
  static byte[] liveValue(byte[] id, long birth) {
    if (id == null) {
      byte[] v = new byte[8];
      Keys.putLong(v, 0, birth);
      return v;
    }
    if (birth == 0) {
      return id;
    }
    byte[] v = java.util.Arrays.copyOf(id, 40);
    Keys.putLong(v, 32, birth);
    return v;
  }

  /** What a snapshot delta keeps of live value {@code live} (null: no entry). */
  static byte[] preimage(byte[] live) {
    if (live == null) {
      return DELTA_ABSENT;
    }
    byte[] id = chunkId(live);
    return id == null ? DELTA_HOLE : id;
  }

  static byte[] snapshotKey(long volumeId, long epoch) {
    byte[] k = new byte[17];
    Keys.putLong(k, 0, volumeId);
    k[8] = VOLUME_SNAPSHOT;
    Keys.putLong(k, 9, epoch);
    return k;
  }

  static byte[] restoreKey(long volumeId) {
    byte[] k = new byte[2 + 8];
    k[0] = 'r';
    k[1] = '/';
    Keys.putLong(k, 2, volumeId);
    return k;
  }

  static final byte[] META_FORMAT = "format".getBytes();
  static final byte[] META_CHUNK_ID_KEY = "chunk-id-key".getBytes();
  static final byte[] NEXT_VOLUME_ID = "c/next-volume-id".getBytes();
  /** Plaintext bytes of all distinct chunks. */
  static final byte[] UNIQUE_BYTES = "c/unique-bytes".getBytes();
  /** Stored bytes (header + payload) of all distinct chunks. */
  static final byte[] STORED_BYTES = "c/stored-bytes".getBytes();
  /**
   * Stored bytes (header + payload) of all distinct chunks wherever they are, local or only in
   * the cloud: what compression made of the unique bytes. Unlike {@link #STORED_BYTES} neither
   * eviction nor a cold read changes it.
   */
  static final byte[] CHUNK_BYTES = "c/chunk-bytes".getBytes();
  /** Number of distinct chunks. */
  static final byte[] CHUNK_COUNT = "c/chunks".getBytes();

  /** Last pack number handed out. */
  static final byte[] NEXT_PACK = "c/next-pack".getBytes();
  /** Pack counter: sealed bytes of records whose chunk is live. */
  static final byte PACK_LIVE = 'l';
  /** Pack counter: sealed bytes of records whose chunk is gone. */
  static final byte PACK_DEAD = 'd';

  static byte[] packKey(long packNumber) {
    byte[] k = new byte[8];
    Keys.putLong(k, 0, packNumber);
    return k;
  }

  static byte[] packCounterKey(long packNumber, byte tag) {
    byte[] k = new byte[2 + 8 + 1];
    k[0] = 'p';
    k[1] = '/';
    Keys.putLong(k, 2, packNumber);
    k[10] = tag;
    return k;
  }

  /** Per-volume counter: number of mapped chunks. */
  static final byte VOL_MAPPED = 'm';

  static byte[] volumeKey(long volumeId, byte kind) {
    byte[] k = new byte[9];
    Keys.putLong(k, 0, volumeId);
    k[8] = kind;
    return k;
  }

  static byte[] blockKey(long volumeId, long epoch, long chunkIndex) {
    byte[] k = new byte[24];
    Keys.putLong(k, 0, volumeId);
    Keys.putLong(k, 8, epoch);
    Keys.putLong(k, 16, chunkIndex);
    return k;
  }

  static long blockKeyVolume(byte[] key) {
    return Keys.getLong(key, 0);
  }

  static long blockKeyEpoch(byte[] key) {
    return Keys.getLong(key, 8);
  }

  static long blockKeyIndex(byte[] key) {
    return Keys.getLong(key, 16);
  }

  static byte[] volumeCounterKey(long volumeId, byte tag) {
    byte[] k = new byte[2 + 8 + 1];
    k[0] = 'v';
    k[1] = '/';
    Keys.putLong(k, 2, volumeId);
    k[10] = tag;
    return k;
  }

  /** Lifecycle of a volume record. */
  enum VolumeState { ACTIVE, DELETING }

  /**
   * A volume's stored configuration. A clone names its origin snapshot ({@code origin} > 0):
   * version 2 of the record; a volume without origin is still written as version 1.
   */
  record VolumeRecord(VolumeInfo info, VolumeState state, long origin) {
    VolumeRecord(VolumeInfo info, VolumeState state) {
      this(info, state, 0);
    }

    byte[] encode() {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeByte(origin > 0 ? 2 : 1);
        out.writeUTF(info.name());
        out.writeLong(info.sizeBytes());
        out.writeInt(info.chunkSize());
        out.writeBoolean(info.pinned());
        out.writeLong(info.uuid().getMostSignificantBits());
        out.writeLong(info.uuid().getLeastSignificantBits());
        out.writeLong(info.createdMillis());
        out.writeByte(state.ordinal());
        if (origin > 0) {
          out.writeLong(origin);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bytes.toByteArray();
    }

    static VolumeRecord decode(long id, byte[] value) {
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(value))) {
        int version = in.readUnsignedByte();
        if (version != 1 && version != 2) {
          throw new EngineException(EngineException.Code.UNSUPPORTED_FORMAT,
              "volume record version " + version);
        }
        String name = in.readUTF();
        long size = in.readLong();
        int chunkSize = in.readInt();
        boolean pinned = in.readBoolean();
        UUID uuid = new UUID(in.readLong(), in.readLong());
        long created = in.readLong();
        VolumeState state = VolumeState.values()[in.readUnsignedByte()];
        long origin = version == 2 ? in.readLong() : 0;
        return new VolumeRecord(new VolumeInfo(id, name, size, chunkSize, pinned, uuid, created),
            state, origin);
      } catch (IOException e) {
        throw new EngineException(EngineException.Code.UNSUPPORTED_FORMAT,
            "unreadable volume record " + id, e);
      }
    }
  }

  /** Lifecycle of a snapshot record. */
  enum SnapshotState { ACTIVE, DELETING }

  /**
   * A snapshot as stored (version 1): id, epoch (also in the key), creation time, description,
   * consistency group (the id of the group's first snapshot; 0: alone), whether a policy took
   * it, and its state.
   */
  record SnapshotRecord(long id, long volumeId, long epoch, long createdMillis,
      String description, long groupId, boolean policy, SnapshotState state) {
    byte[] encode() {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeByte(1);
        out.writeLong(id);
        out.writeLong(createdMillis);
        out.writeUTF(description);
        out.writeLong(groupId);
        out.writeBoolean(policy);
        out.writeByte(state.ordinal());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bytes.toByteArray();
    }

    SnapshotRecord withState(SnapshotState s) {
      return new SnapshotRecord(id, volumeId, epoch, createdMillis, description, groupId, policy,
          s);
    }

    static SnapshotRecord decode(byte[] key, byte[] value) {
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(value))) {
        int version = in.readUnsignedByte();
        if (version != 1) {
          throw new EngineException(EngineException.Code.UNSUPPORTED_FORMAT,
              "snapshot record version " + version);
        }
        return new SnapshotRecord(in.readLong(), Keys.getLong(key, 0), Keys.getLong(key, 9),
            in.readLong(), in.readUTF(), in.readLong(), in.readBoolean(),
            SnapshotState.values()[in.readUnsignedByte()]);
      } catch (IOException e) {
        throw new EngineException(EngineException.Code.UNSUPPORTED_FORMAT,
            "unreadable snapshot record", e);
      }
    }
  }

  /**
   * A restore in progress (version 1): the snapshot the volume goes back to, the snapshot of
   * its state before (taken in the same batch as the first version of this record), and the
   * chunk index below which the live map is restored already.
   */
  record RestoreRecord(long volumeId, long snapshotId, long undoSnapshotId, long next) {
    byte[] encode() {
      byte[] v = new byte[25];
      v[0] = 1;
      Keys.putLong(v, 1, snapshotId);
      Keys.putLong(v, 9, undoSnapshotId);
      Keys.putLong(v, 17, next);
      return v;
    }

    static RestoreRecord decode(byte[] key, byte[] v) {
      if (v.length != 25 || v[0] != 1) {
        throw new EngineException(EngineException.Code.UNSUPPORTED_FORMAT,
            "unreadable restore record");
      }
      return new RestoreRecord(Keys.getLong(key, 2), Keys.getLong(v, 1), Keys.getLong(v, 9),
          Keys.getLong(v, 17));
    }
  }
}
