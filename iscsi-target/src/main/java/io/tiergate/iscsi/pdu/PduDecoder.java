package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Frames the initiator's byte stream into {@link InitiatorPdu} records.
 *
 * <p>Sits first in a connection's pipeline. Each PDU is a 48-byte basic header segment, the
 * additional header segments it announces, an optional CRC32C header digest, then the data
 * segment padded to four bytes and an optional CRC32C data digest. Digests are off during
 * login; the session switches them on ({@link #setDigests}) once the final Login Response has
 * agreed on them, and raises {@link #setMaxDataSegmentLength} to the negotiated value.
 *
 * <p>Nothing is thrown: a data digest error or an unknown opcode becomes a non-fatal
 * {@link DecodeFailure} and decoding goes on with the next PDU; a header digest error or a data
 * segment longer than allowed becomes a fatal one, after which the rest of the stream is
 * discarded (it can no longer be framed) and the session closes the connection.
 */
@SuppressWarnings("fallthrough")
public final class PduDecoder extends ByteToMessageDecoder {

  private enum State {
    HEADER,
    DATA,
    DISCARD
  }

  private State state = State.HEADER;
  private boolean headerDigest;
  private boolean dataDigest;
  private int maxDataSegmentLength;

  private byte[] bhs;
  private byte[] ahs;
  private int dataLength;

  /** A decoder accepting data segments up to {@code maxDataSegmentLength} bytes. */
  public PduDecoder(int maxDataSegmentLength) {
    this.maxDataSegmentLength = maxDataSegmentLength;
  }

  /** Switches CRC32C digests on or off for the PDUs that follow. */
  public void setDigests(boolean header, boolean data) {
    this.headerDigest = header;
    this.dataDigest = data;
  }

  /** Sets the longest data segment accepted from now on. */
  public void setMaxDataSegmentLength(int max) {
    this.maxDataSegmentLength = max;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    switch (state) {
      case HEADER:
        if (!decodeHeader(in, out)) {
          return;
        }
        if (state != State.DATA) {
          return;
        }
        // fall through: the data segment may already be here
      case DATA:
        decodeData(in, out);
        return;
      case DISCARD:
      default:
        in.skipBytes(in.readableBytes());
    }
  }

  /** Reads the header segments; returns false when more bytes are needed. */
  private boolean decodeHeader(ByteBuf in, List<Object> out) {
    if (in.readableBytes() < Opcodes.BHS_LENGTH) {
      return false;
    }
    int start = in.readerIndex();
    int ahsLength = (in.getUnsignedByte(start + 4)) * 4;
    int headerLength = Opcodes.BHS_LENGTH + ahsLength + (headerDigest ? 4 : 0);
    if (in.readableBytes() < headerLength) {
      return false;
    }
    byte[] header = new byte[Opcodes.BHS_LENGTH];
    in.getBytes(start, header);
    if (headerDigest) {
      int expected = Crc32c.of(in, start, Opcodes.BHS_LENGTH + ahsLength);
      int received = in.getIntLE(start + Opcodes.BHS_LENGTH + ahsLength);
      if (expected != received) {
        fail(in, out, DecodeFailure.Reason.HEADER_DIGEST_ERROR, header, "header digest mismatch");
        return true;
      }
    }
    int length = Bytes.getUint24(header, 5);
    if (length > maxDataSegmentLength) {
      fail(in, out, DecodeFailure.Reason.PROTOCOL_ERROR, header,
          "data segment of " + length + " bytes exceeds " + maxDataSegmentLength);
      return true;
    }
    byte[] additional = new byte[ahsLength];
    in.getBytes(start + Opcodes.BHS_LENGTH, additional);
    in.skipBytes(headerLength);
    this.bhs = header;
    this.ahs = additional;
    this.dataLength = length;
    state = State.DATA;
    return true;
  }

  private void decodeData(ByteBuf in, List<Object> out) {
    int digestLength = dataDigest && dataLength > 0 ? 4 : 0;
    int paddedLength = Opcodes.padded(dataLength);
    if (in.readableBytes() < paddedLength + digestLength) {
      return;
    }
    int start = in.readerIndex();
    byte[] header = bhs;
    bhs = null;
    state = State.HEADER;
    if (digestLength > 0) {
      CRC32C crc = new CRC32C();
      Crc32c.update(crc, in, start, paddedLength);
      int received = in.getIntLE(start + paddedLength);
      if ((int) crc.getValue() != received) {
        in.skipBytes(paddedLength + digestLength);
        out.add(new DecodeFailure(DecodeFailure.Reason.DATA_DIGEST_ERROR, header, false,
            "data digest mismatch"));
        return;
      }
    }
    ByteBuf data = dataLength == 0 ? Unpooled.EMPTY_BUFFER : in.retainedSlice(start, dataLength);
    in.skipBytes(paddedLength + digestLength);
    InitiatorPdu pdu = PduParser.parse(header, ahs, data);
    ahs = null;
    out.add(pdu);
  }

  private void fail(ByteBuf in, List<Object> out, DecodeFailure.Reason reason, byte[] header,
      String why) {
    state = State.DISCARD;
    in.skipBytes(in.readableBytes());
    out.add(new DecodeFailure(reason, header, true, why));
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    bhs = null;
    ahs = null;
  }

  @Override
  public String toString() {
    return "PduDecoder[" + state + ", bhs=" + (bhs == null ? "-" : Arrays.toString(bhs)) + "]";
  }
}
