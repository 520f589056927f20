package io.tiergate.tiering.meta;

import io.tiergate.tiering.pack.PackFormatException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The plaintext of the volume catalogue, version 1 (published encrypted by the metadata cipher
 * as the metadata document {@code catalogue}): every volume of the appliance, so that a fresh
 * appliance with the passphrase can list them.
 *
 * <pre>
 * version u8 = 1 | volume count u32 | per volume:
 *   volume id u64 | name length u16 | name (UTF-8, 1..63 bytes) | size in bytes u64 |
 *   chunk size u32 | pinned u8 (0 or 1) | uuid (16, most significant half first) |
 *   created, ms since the epoch u64
 * </pre>
 *
 * All integers are big-endian. Names are the engine's volume names ({@code [a-z0-9.-]}), for
 * which the length-prefixed form above is byte for byte what version 1 has always written.
 * Decoding checks every count and length against the bytes present, so a damaged document is
 * refused with a {@link PackFormatException} instead of allocating what it claims.
 */
public final class CatalogueCodec {
  /** The version this codec writes and the only one it reads. */
  public static final int VERSION = 1;
  /** Longest volume name, in bytes. */
  public static final int MAX_NAME = 63;
  // id, size, chunk size, pinned, uuid, created; plus the name's length field.
  private static final int FIXED = 8 + 8 + 4 + 1 + 16 + 8 + 2;

  private CatalogueCodec() {}

  /** One volume as the catalogue records it. */
  public record Entry(long id, String name, long sizeBytes, int chunkSize, boolean pinned,
      UUID uuid, long createdMillis) {
    /** Checks what the format can hold. */
    public Entry {
      int n = name.getBytes(StandardCharsets.UTF_8).length;
      if (n < 1 || n > MAX_NAME) {
        throw new IllegalArgumentException("a catalogued volume name is 1 to 63 bytes");
      }
    }
  }

  /** The version-1 plaintext of {@code entries}. */
  public static byte[] encode(List<Entry> entries) {
    int size = 1 + 4;
    for (Entry e : entries) {
      size += FIXED + e.name().getBytes(StandardCharsets.UTF_8).length;
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.put((byte) VERSION).putInt(entries.size());
    for (Entry e : entries) {
      byte[] name = e.name().getBytes(StandardCharsets.UTF_8);
      b.putLong(e.id()).putShort((short) name.length).put(name).putLong(e.sizeBytes())
          .putInt(e.chunkSize()).put((byte) (e.pinned() ? 1 : 0))
          .putLong(e.uuid().getMostSignificantBits()).putLong(e.uuid().getLeastSignificantBits())
          .putLong(e.createdMillis());
    }
    return b.array();
  }

  /** The entries of a version-1 plaintext; refuses other versions and damaged documents. */
  public static List<Entry> decode(byte[] plain) {
    try {
      ByteBuffer b = ByteBuffer.wrap(plain);
      int version = b.get() & 0xff;
      if (version != VERSION) {
        throw new PackFormatException("unsupported catalogue version " + version);
      }
      int count = b.getInt();
      if (count < 0 || count > b.remaining() / (FIXED + 1)) {
        throw new PackFormatException("catalogue volume count is inconsistent");
      }
      List<Entry> out = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        long id = b.getLong();
        int n = b.getShort() & 0xffff;
        if (n < 1 || n > MAX_NAME || n > b.remaining()) {
          throw new PackFormatException("catalogue volume name length is inconsistent");
        }
        byte[] name = new byte[n];
        b.get(name);
        long size = b.getLong();
        int chunkSize = b.getInt();
        int pinned = b.get();
        if (pinned != 0 && pinned != 1) {
          throw new PackFormatException("catalogue pinned flag is neither 0 nor 1");
        }
        UUID uuid = new UUID(b.getLong(), b.getLong());
        long created = b.getLong();
        out.add(new Entry(id, new String(name, StandardCharsets.UTF_8), size, chunkSize,
            pinned == 1, uuid, created));
      }
      if (b.hasRemaining()) {
        throw new PackFormatException("catalogue has trailing bytes");
      }
      return out;
    } catch (BufferUnderflowException e) {
      throw new PackFormatException("catalogue truncated", e);
    }
  }
}
