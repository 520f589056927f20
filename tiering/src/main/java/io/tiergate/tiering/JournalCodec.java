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
 * The plaintext of one index-journal entry, version 1 (encrypted by the metadata cipher): the
 * indexes of one or more uploaded packs.
 *
 * <pre>
 * version u8 = 1 | pack count u32 | per pack:
 *   pack id (16) | key id u32 | salt (32) | size u64 | count u32 |
 *   count x (chunk id (32) | offset u64 | length u32)
 * </pre>
 */
final class JournalCodec {
  static final int VERSION = 1;
  private static final int ENTRY = ChunkId.LENGTH + 12;
  private static final int PACK_FIXED = PackFormat.PACK_ID_LENGTH + 4 + PackFormat.SALT_LENGTH + 8 + 4;

  private JournalCodec() {}

  static byte[] encode(List<UploadedPack> packs) {
    int size = 1 + 4;
    for (UploadedPack p : packs) {
      size += PACK_FIXED + p.entries().size() * ENTRY;
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.put((byte) VERSION).putInt(packs.size());
    byte[] id = new byte[ChunkId.LENGTH];
    for (UploadedPack p : packs) {
      b.put(p.ref().packId()).putInt(p.ref().keyId()).put(p.ref().salt()).putLong(p.size())
          .putInt(p.entries().size());
      for (PackEntry e : p.entries()) {
        e.chunkId().writeTo(id, 0);
        b.put(id).putLong(e.offset()).putInt(e.length());
      }
    }
    return b.array();
  }

  static List<UploadedPack> decode(byte[] plain) {
    try {
      ByteBuffer b = ByteBuffer.wrap(plain);
      int version = b.get() & 0xff;
      if (version != VERSION) {
        throw new PackFormatException("unsupported journal entry version " + version);
      }
      int packs = b.getInt();
      if (packs < 0 || packs > b.remaining() / PACK_FIXED) {
        throw new PackFormatException("journal entry pack count is inconsistent");
      }
      List<UploadedPack> out = new ArrayList<>(packs);
      byte[] id = new byte[ChunkId.LENGTH];
      for (int p = 0; p < packs; p++) {
        byte[] packId = new byte[PackFormat.PACK_ID_LENGTH];
        b.get(packId);
        int keyId = b.getInt();
        byte[] salt = new byte[PackFormat.SALT_LENGTH];
        b.get(salt);
        long size = b.getLong();
        int count = b.getInt();
        if (count < 0 || count > b.remaining() / ENTRY) {
          throw new PackFormatException("journal entry record count is inconsistent");
        }
        List<PackEntry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          b.get(id);
          entries.add(new PackEntry(ChunkId.of(id), i, b.getLong(), b.getInt()));
        }
        out.add(new UploadedPack(new PackRef(packId, keyId, salt), entries, size));
      }
      if (b.hasRemaining()) {
        throw new PackFormatException("journal entry has trailing bytes");
      }
      return out;
    } catch (BufferUnderflowException e) {
      throw new PackFormatException("journal entry truncated", e);
    }
  }
}
