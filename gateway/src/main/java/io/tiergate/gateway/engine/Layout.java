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
 * blockmap  [vol id:8][epoch:8][chunk index:8] -> chunk ID (32)
 *           epoch {@link #LIVE_EPOCH} is the live image; snapshots will take other epochs, so
 *           a snapshot is a key range and needs no migration of the live keys.
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
 *           them "c/dirty-bytes" (stored bytes of the 'd' entries);
 *           "p/[pack number:8][l|d]" live and dead sealed bytes of a pack (uint64add, updated in
 *           the same batch as the chunk records that change them)
 * </pre>
 *
 * <p>Format 2 added the tiering index; a format 1 store is upgraded when it is opened (the
 * index is built in one scan of the chunk records, then the format is set to 2). A format 2
 * store is refused by a version that would not keep the index.
 */
final class Layout {
  private Layout() {}

  static final int FORMAT_VERSION = 2;
  /** The format before the tiering index, upgraded on open. */
  static final int FORMAT_NO_TIER_INDEX = 1;
  static final long LIVE_EPOCH = 0;

  static final byte VOLUME_CONFIG = 0;
  static final byte VOLUME_RESERVATIONS = 1;

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

  /** A volume's stored configuration. */
  record VolumeRecord(VolumeInfo info, VolumeState state) {
    byte[] encode() {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (DataOutputStream out = new DataOutputStream(bytes)) {
        out.writeByte(1);
        out.writeUTF(info.name());
        out.writeLong(info.sizeBytes());
        out.writeInt(info.chunkSize());
        out.writeBoolean(info.pinned());
        out.writeLong(info.uuid().getMostSignificantBits());
        out.writeLong(info.uuid().getLeastSignificantBits());
        out.writeLong(info.createdMillis());
        out.writeByte(state.ordinal());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return bytes.toByteArray();
    }

    static VolumeRecord decode(long id, byte[] value) {
      try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(value))) {
        int version = in.readUnsignedByte();
        if (version != 1) {
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
        return new VolumeRecord(new VolumeInfo(id, name, size, chunkSize, pinned, uuid, created),
            state);
      } catch (IOException e) {
        throw new EngineException(EngineException.Code.UNSUPPORTED_FORMAT,
            "unreadable volume record " + id, e);
      }
    }
  }
}
