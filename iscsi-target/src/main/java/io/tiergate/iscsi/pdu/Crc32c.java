package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * CRC32C digests as iSCSI puts them on the wire: the JDK's (intrinsified) CRC32C value, sent
 * least significant byte first (RFC 7143 appendix A.4 vectors: 32 zero bytes give bytes
 * {@code aa 36 91 8a}).
 */
public final class Crc32c {
  private Crc32c() {}

  /** The CRC32C of {@code length} bytes of {@code buf} from {@code index}. */
  public static int of(ByteBuf buf, int index, int length) {
    CRC32C crc = new CRC32C();
    update(crc, buf, index, length);
    return (int) crc.getValue();
  }

  static void update(CRC32C crc, ByteBuf buf, int index, int length) {
    if (length == 0) {
      return;
    }
    if (buf.nioBufferCount() == 1) {
      crc.update(buf.nioBuffer(index, length));
    } else {
      for (ByteBuffer b : buf.nioBuffers(index, length)) {
        crc.update(b);
      }
    }
  }

  /** The CRC32C of a byte array. */
  public static int of(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes);
    return (int) crc.getValue();
  }
}
