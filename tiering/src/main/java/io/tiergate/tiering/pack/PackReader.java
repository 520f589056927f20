package io.tiergate.tiering.pack;

import io.tiergate.crypto.ChunkId;
import io.tiergate.crypto.PackCipher;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Reads pack objects: the header and footer in the clear, the sealed trailer (the index), and
 * single records. Every method is pure: bytes in, values out, no I/O, so the same code serves
 * a whole downloaded pack and the pieces fetched with ranged GETs.
 *
 * <p>Authentication failures surface as the crypto module's {@code CryptoException}
 * ({@code AUTHENTICATION_FAILED}); structural damage as {@link PackFormatException}.
 */
public final class PackReader {

  private PackReader() {}

  /** The clear footer of a pack. */
  public record Footer(long trailerOffset, int trailerLength, int recordCount) {}

  /** Parses the {@value PackFormat#FOOTER_LENGTH}-byte footer at the end of a pack. */
  public static Footer footer(byte[] b, int off, int len) {
    if (len != PackFormat.FOOTER_LENGTH) {
      throw new PackFormatException("pack footer has the wrong length");
    }
    ByteBuffer in = ByteBuffer.wrap(b, off, len);
    long trailerOffset = in.getLong();
    int trailerLength = in.getInt();
    int recordCount = in.getInt();
    if (in.getInt() != PackFormat.FOOTER_MAGIC) {
      throw new PackFormatException("not a pack: bad footer magic");
    }
    int version = in.getShort() & 0xffff;
    if (version != PackFormat.VERSION) {
      throw new PackFormatException("unsupported pack format version " + version);
    }
    if (in.getShort() != 0) {
      throw new PackFormatException("unknown pack footer flags");
    }
    if (trailerOffset < PackFormat.HEADER_LENGTH || trailerLength < 4 || recordCount < 0) {
      throw new PackFormatException("pack footer is inconsistent");
    }
    return new Footer(trailerOffset, trailerLength, recordCount);
  }

  /**
   * Opens a sealed trailer and checks that its entries tile the pack between the header and the
   * trailer, in order.
   */
  public static List<PackEntry> trailer(PackCipher cipher, Footer footer, byte[] sealed) {
    byte[] plain = cipher.decryptRecord(footer.recordCount(), sealed, 0, sealed.length);
    ByteBuffer in = ByteBuffer.wrap(plain);
    int count = in.getInt();
    if (count != footer.recordCount() || plain.length != 4 + count * PackFormat.ENTRY_LENGTH) {
      throw new PackFormatException("pack trailer does not match its footer");
    }
    List<PackEntry> entries = new ArrayList<>(count);
    long expectedOffset = PackFormat.HEADER_LENGTH;
    byte[] id = new byte[ChunkId.LENGTH];
    for (int i = 0; i < count; i++) {
      in.get(id);
      long offset = in.getLong();
      int length = in.getInt();
      if (offset != expectedOffset || length < PackCipher.RECORD_OVERHEAD) {
        throw new PackFormatException("pack trailer entry " + i + " is out of place");
      }
      entries.add(new PackEntry(ChunkId.of(id), i, offset, length));
      expectedOffset += length;
    }
    if (expectedOffset != footer.trailerOffset()) {
      throw new PackFormatException("pack records do not end where the trailer starts");
    }
    return entries;
  }

  /**
   * Reads the index of a whole pack object: header, footer, trailer.
   *
   * @param cipherFor gives the cipher for the pack's header (the key ring derives it)
   */
  public static List<PackEntry> index(byte[] pack, Function<PackHeader, PackCipher> cipherFor) {
    if (pack.length < PackFormat.HEADER_LENGTH + PackFormat.FOOTER_LENGTH) {
      throw new PackFormatException("pack truncated");
    }
    PackHeader header = PackHeader.parse(pack, 0, PackFormat.HEADER_LENGTH);
    Footer footer = footer(pack, pack.length - PackFormat.FOOTER_LENGTH, PackFormat.FOOTER_LENGTH);
    if (footer.trailerOffset() + footer.trailerLength() != pack.length - PackFormat.FOOTER_LENGTH) {
      throw new PackFormatException("pack trailer is not where the footer says");
    }
    byte[] sealed = new byte[footer.trailerLength()];
    System.arraycopy(pack, (int) footer.trailerOffset(), sealed, 0, sealed.length);
    return trailer(cipherFor.apply(header), footer, sealed);
  }

  /** Opens one sealed record (as fetched by a ranged GET of {@code entry}). */
  public static byte[] record(PackCipher cipher, PackEntry entry, byte[] sealed) {
    if (sealed.length != entry.length()) {
      throw new PackFormatException("record has the wrong length");
    }
    return cipher.decryptRecord(entry.recordIndex(), sealed, 0, sealed.length);
  }

  /** Opens one record inside a whole pack object. */
  public static byte[] recordInPack(PackCipher cipher, PackEntry entry, byte[] pack) {
    return cipher.decryptRecord(entry.recordIndex(), pack, (int) entry.offset(), entry.length());
  }
}
