package io.tiergate.tiering.pack;

import io.tiergate.crypto.ChunkId;
import io.tiergate.crypto.PackCipher;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Assembles one pack object in memory: header, records sealed as they are added, then the
 * sealed trailer and the footer. Not thread-safe: one packer fills one pack.
 *
 * <p>An optional transport digest (MD5 for the service's Content-MD5 check) is fed each span of
 * bytes as it is written, while it is still in the CPU cache, instead of in a second pass over
 * the finished object.
 */
public final class PackWriter {

  private final PackCipher cipher;
  private final MessageDigest digest;
  private final List<PackEntry> entries = new ArrayList<>();
  private byte[] buf;
  private int size;
  private boolean finished;

  /**
   * Starts a pack sealed by {@code cipher}, whose pack id must be {@value
   * PackFormat#PACK_ID_LENGTH} bytes.
   *
   * @param expectedSize a capacity hint, e.g. the target pack size
   */
  public PackWriter(PackCipher cipher, int expectedSize) {
    this(cipher, expectedSize, null);
  }

  /**
   * Starts a pack sealed by {@code cipher} whose every byte, in order, is also fed to {@code
   * digest} (null: none).
   *
   * @param expectedSize a capacity hint, e.g. the exact {@link #packSize}
   */
  public PackWriter(PackCipher cipher, int expectedSize, MessageDigest digest) {
    byte[] packId = cipher.packId();
    if (packId.length != PackFormat.PACK_ID_LENGTH) {
      throw new IllegalArgumentException("pack id must be " + PackFormat.PACK_ID_LENGTH + " bytes");
    }
    this.cipher = cipher;
    this.digest = digest;
    this.buf = new byte[Math.max(expectedSize, PackFormat.HEADER_LENGTH + PackFormat.FOOTER_LENGTH)];
    new PackHeader(PackFormat.VERSION, cipher.keyId(), packId, cipher.packSalt())
        .writeTo(ByteBuffer.wrap(buf));
    this.size = PackFormat.HEADER_LENGTH;
    digest(0, size);
  }

  /** Seals {@code len} bytes of {@code record} as the next record, holding chunk {@code id}. */
  public PackEntry add(ChunkId id, byte[] record, int off, int len) {
    if (finished) {
      throw new IllegalStateException("pack already finished");
    }
    int index = entries.size();
    int sealedLength = PackCipher.sealedLength(len);
    ensureCapacity(sealedLength);
    // Seal straight into the pack buffer: no per-record array, no copy.
    cipher.encryptRecord(index, ByteBuffer.wrap(record, off, len), ByteBuffer.wrap(buf, size, sealedLength));
    PackEntry e = new PackEntry(id, index, size, sealedLength);
    digest(size, sealedLength);
    size += sealedLength;
    entries.add(e);
    return e;
  }

  /** Records added so far. */
  public int recordCount() {
    return entries.size();
  }

  /** Bytes the pack holds so far (without trailer and footer). */
  public int size() {
    return size;
  }

  /** The entries added so far, in record order. */
  public List<PackEntry> entries() {
    return List.copyOf(entries);
  }

  /** Seals the trailer, appends the footer and returns the whole pack object. */
  public byte[] finish() {
    if (finished) {
      throw new IllegalStateException("pack already finished");
    }
    finished = true;
    ByteBuffer trailer = ByteBuffer.allocate(4 + entries.size() * PackFormat.ENTRY_LENGTH);
    trailer.putInt(entries.size());
    byte[] id = new byte[ChunkId.LENGTH];
    for (PackEntry e : entries) {
      e.chunkId().writeTo(id, 0);
      trailer.put(id).putLong(e.offset()).putInt(e.length());
    }
    byte[] sealedTrailer = cipher.encryptRecord(entries.size(), trailer.array(), 0, trailer.capacity());
    long trailerOffset = size;
    append(sealedTrailer);
    ByteBuffer footer = ByteBuffer.allocate(PackFormat.FOOTER_LENGTH);
    footer
        .putLong(trailerOffset)
        .putInt(sealedTrailer.length)
        .putInt(entries.size())
        .putInt(PackFormat.FOOTER_MAGIC)
        .putShort((short) PackFormat.VERSION)
        .putShort((short) 0);
    append(footer.array());
    return size == buf.length ? buf : Arrays.copyOf(buf, size);
  }

  private void append(byte[] b) {
    ensureCapacity(b.length);
    System.arraycopy(b, 0, buf, size, b.length);
    digest(size, b.length);
    size += b.length;
  }

  private void digest(int off, int len) {
    if (digest != null) {
      digest.update(buf, off, len);
    }
  }

  private void ensureCapacity(int more) {
    if (size + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
    }
  }

  /** The exact size of a finished pack holding records of the given plaintext lengths. */
  public static int packSize(int[] recordLengths) {
    long size = PackFormat.HEADER_LENGTH + 4 + PackFormat.FOOTER_LENGTH + PackCipher.RECORD_OVERHEAD;
    for (int len : recordLengths) {
      size += PackCipher.sealedLength(len) + PackFormat.ENTRY_LENGTH;
    }
    return Math.toIntExact(size);
  }
}
