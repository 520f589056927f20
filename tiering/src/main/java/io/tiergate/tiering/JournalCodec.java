package io.tiergate.tiering;

import io.tiergate.crypto.ChunkId;
import io.tiergate.tiering.pack.PackEntry;
import io.tiergate.tiering.pack.PackFormat;
import io.tiergate.tiering.pack.PackFormatException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The plaintext of one index-journal entry, version 1 (encrypted by the metadata cipher):
 *
 * <pre>
 * version u8 = 1 | type u8 (1 pack added, 2 pack deleted) | pack id (16) | key id u32 |
 * salt (32) | size u64 | count u32 | count x (chunk id (32) | offset u64 | length u32)
 * </pre>
 *
 * A deletion carries no entries.
 */
final class JournalCodec {
  static final int VERSION = 1;
  static final int PACK_ADDED = 1;
  static final int PACK_DELETED = 2;

  private JournalCodec() {}

  /** One decoded journal entry. */
  record Entry(int type, UploadedPack pack) {}

  static byte[] encode(int type, UploadedPack pack) {
    List<PackEntry> entries = type == PACK_ADDED ? pack.entries() : List.of();
    ByteBuffer b = ByteBuffer.allocate(2 + PackFormat.PACK_ID_LENGTH + 4 + PackFormat.SALT_LENGTH + 8 + 4
        + entries.size() * (ChunkId.LENGTH + 12));
    b.put((byte) VERSION).put((byte) type).put(pack.ref().packId()).putInt(pack.ref().keyId())
        .put(pack.ref().salt()).putLong(pack.size()).putInt(entries.size());
    byte[] id = new byte[ChunkId.LENGTH];
    for (PackEntry e : entries) {
      e.chunkId().writeTo(id, 0);
      b.put(id).putLong(e.offset()).putInt(e.length());
    }
    return b.array();
  }

  static Entry decode(byte[] plain) {
    try {
      ByteBuffer b = ByteBuffer.wrap(plain);
      int version = b.get() & 0xff;
      if (version != VERSION) {
        throw new PackFormatException("unsupported journal entry version " + version);
      }
      int type = b.get();
      if (type != PACK_ADDED && type != PACK_DELETED) {
        throw new PackFormatException("unknown journal entry type " + type);
      }
      byte[] packId = new byte[PackFormat.PACK_ID_LENGTH];
      b.get(packId);
      int keyId = b.getInt();
      byte[] salt = new byte[PackFormat.SALT_LENGTH];
      b.get(salt);
      long size = b.getLong();
      int count = b.getInt();
      if (count < 0 || count > b.remaining() / (ChunkId.LENGTH + 12)) {
        throw new PackFormatException("journal entry count is inconsistent");
      }
      List<PackEntry> entries = new ArrayList<>(count);
      byte[] id = new byte[ChunkId.LENGTH];
      for (int i = 0; i < count; i++) {
        b.get(id);
        entries.add(new PackEntry(ChunkId.of(id), i, b.getLong(), b.getInt()));
      }
      if (b.hasRemaining()) {
        throw new PackFormatException("journal entry has trailing bytes");
      }
      return new Entry(type, new UploadedPack(new PackRef(packId, keyId, salt), entries, size));
    } catch (BufferUnderflowException e) {
      throw new PackFormatException("journal entry truncated", e);
    }
  }
}
