package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Turns {@link TargetPdu} records into bytes: header (with CRC32C header digest when on), then
 * the data segment as a retained slice of the record's buffer (no copy for Data-In), then
 * padding and the data digest. Digests are switched on by the session after the final Login
 * Response has been written ({@link #setDigests}).
 */
public final class PduEncoder extends MessageToMessageEncoder<TargetPdu> {
  /** Data segments up to this size are copied next to the header: one buffer instead of three. */
  private static final int COPY_THRESHOLD = 1024;

  private boolean headerDigest;
  private boolean dataDigest;

  /** An encoder with digests off. */
  public PduEncoder() {
    super(TargetPdu.class);
  }

  /** Switches CRC32C digests on or off for the PDUs written from now on. */
  public void setDigests(boolean header, boolean data) {
    this.headerDigest = header;
    this.dataDigest = data;
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, TargetPdu pdu, List<Object> out) {
    encode(ctx.alloc(), pdu, headerDigest, dataDigest, out);
  }

  /**
   * Encodes one PDU into buffers appended to {@code out}. Does not release {@code pdu}.
   *
   * @param alloc the allocator for header buffers
   * @param pdu the PDU
   * @param headerDigest whether to append a CRC32C header digest
   * @param dataDigest whether to append a CRC32C data digest
   * @param out receives the buffers, in order
   */
  public static void encode(ByteBufAllocator alloc, TargetPdu pdu, boolean headerDigest,
      boolean dataDigest, List<Object> out) {
    ByteBuf data = pdu.data();
    byte[] inline = inlineData(pdu);
    int dataLength = inline != null ? inline.length : data.readableBytes();
    int pad = Opcodes.padded(dataLength) - dataLength;
    int digestLength = dataDigest && dataLength > 0 ? 4 : 0;
    boolean copy = dataLength <= COPY_THRESHOLD;
    int headerCapacity = Opcodes.BHS_LENGTH + (headerDigest ? 4 : 0)
        + (copy ? dataLength + pad + digestLength : 0);
    ByteBuf header = alloc.directBuffer(headerCapacity);
    writeBhs(header, pdu, dataLength);
    if (headerDigest) {
      header.writeIntLE(Crc32c.of(header, 0, Opcodes.BHS_LENGTH));
    }
    CRC32C crc = digestLength > 0 ? new CRC32C() : null;
    if (copy) {
      int dataStart = header.writerIndex();
      if (inline != null) {
        header.writeBytes(inline);
      } else {
        header.writeBytes(data, data.readerIndex(), dataLength);
      }
      header.writeZero(pad);
      if (crc != null) {
        Crc32c.update(crc, header, dataStart, dataLength + pad);
        header.writeIntLE((int) crc.getValue());
      }
      out.add(header);
      return;
    }
    out.add(header);
    out.add(data.retainedSlice());
    if (pad + digestLength > 0) {
      ByteBuf trailer = alloc.directBuffer(pad + digestLength);
      trailer.writeZero(pad);
      if (crc != null) {
        Crc32c.update(crc, data, data.readerIndex(), dataLength);
        Crc32c.update(crc, trailer, 0, pad);
        trailer.writeIntLE((int) crc.getValue());
      }
      out.add(trailer);
    }
  }

  /** Data segments that the record holds as an array rather than a buffer. */
  private static byte[] inlineData(TargetPdu pdu) {
    if (pdu instanceof ScsiResponse) {
      byte[] sense = ((ScsiResponse) pdu).sense();
      if (sense.length == 0) {
        return null;
      }
      byte[] segment = new byte[sense.length + 2];
      segment[0] = (byte) (sense.length >> 8);
      segment[1] = (byte) sense.length;
      System.arraycopy(sense, 0, segment, 2, sense.length);
      return segment;
    }
    if (pdu instanceof Reject) {
      return ((Reject) pdu).rejectedHeader();
    }
    return null;
  }

  private static void writeBhs(ByteBuf b, TargetPdu pdu, int dataLength) {
    int start = b.writerIndex();
    b.writeZero(Opcodes.BHS_LENGTH);
    b.setMedium(start + 5, dataLength);
    if (pdu instanceof DataIn) {
      writeDataIn(b, start, (DataIn) pdu);
    } else if (pdu instanceof ScsiResponse) {
      writeScsiResponse(b, start, (ScsiResponse) pdu);
    } else if (pdu instanceof R2t) {
      writeR2t(b, start, (R2t) pdu);
    } else if (pdu instanceof NopIn) {
      writeNopIn(b, start, (NopIn) pdu);
    } else if (pdu instanceof LoginResponse) {
      writeLoginResponse(b, start, (LoginResponse) pdu);
    } else if (pdu instanceof TextResponse) {
      writeTextResponse(b, start, (TextResponse) pdu);
    } else if (pdu instanceof TaskManagementResponse) {
      writeTaskManagementResponse(b, start, (TaskManagementResponse) pdu);
    } else if (pdu instanceof LogoutResponse) {
      writeLogoutResponse(b, start, (LogoutResponse) pdu);
    } else if (pdu instanceof Reject) {
      writeReject(b, start, (Reject) pdu);
    } else if (pdu instanceof AsyncMessage) {
      writeAsyncMessage(b, start, (AsyncMessage) pdu);
    } else {
      throw new IllegalArgumentException("not a target PDU: " + pdu.getClass());
    }
  }

  private static void writeDataIn(ByteBuf b, int start, DataIn p) {
    int flags = (p.finalFlag() ? 0x80 : 0) | (p.statusPresent() ? 0x01 : 0);
    if (p.statusPresent()) {
      flags |= (p.overflow() ? 0x04 : 0) | (p.underflow() ? 0x02 : 0);
      b.setByte(start + 3, p.status());
      b.setInt(start + 24, p.statSn());
      b.setInt(start + 44, p.residualCount());
    }
    common(b, start, Opcodes.DATA_IN, flags, p.lun(), p.initiatorTaskTag(),
        Opcodes.RESERVED_TAG, p.expCmdSn(), p.maxCmdSn());
    b.setInt(start + 36, p.dataSn());
    b.setInt(start + 40, p.bufferOffset());
  }

  private static void writeScsiResponse(ByteBuf b, int start, ScsiResponse p) {
    int flags = 0x80 | (p.overflow() ? 0x04 : 0) | (p.underflow() ? 0x02 : 0);
    common(b, start, Opcodes.SCSI_RESPONSE, flags, 0, p.initiatorTaskTag(), 0, p.expCmdSn(),
        p.maxCmdSn());
    b.setByte(start + 2, p.response());
    b.setByte(start + 3, p.status());
    b.setInt(start + 24, p.statSn());
    b.setInt(start + 36, p.expDataSn());
    b.setInt(start + 44, p.residualCount());
  }

  private static void writeR2t(ByteBuf b, int start, R2t p) {
    common(b, start, Opcodes.R2T, 0x80, p.lun(), p.initiatorTaskTag(), p.targetTransferTag(),
        p.expCmdSn(), p.maxCmdSn());
    b.setInt(start + 24, p.statSn());
    b.setInt(start + 36, p.r2tSn());
    b.setInt(start + 40, p.bufferOffset());
    b.setInt(start + 44, p.desiredDataTransferLength());
  }

  private static void writeNopIn(ByteBuf b, int start, NopIn p) {
    common(b, start, Opcodes.NOP_IN, 0x80, p.lun(), p.initiatorTaskTag(),
        p.targetTransferTag(), p.expCmdSn(), p.maxCmdSn());
    b.setInt(start + 24, p.statSn());
  }

  private static void writeLoginResponse(ByteBuf b, int start, LoginResponse p) {
    int flags = (p.transit() ? 0x80 : 0) | (p.continueFlag() ? 0x40 : 0)
        | ((p.currentStage() & 3) << 2) | (p.nextStage() & 3);
    common(b, start, Opcodes.LOGIN_RESPONSE, flags, 0, p.initiatorTaskTag(), 0, p.expCmdSn(),
        p.maxCmdSn());
    b.setByte(start + 2, p.versionMax());
    b.setByte(start + 3, p.versionActive());
    b.setShort(start + 8, (int) (p.isid() >>> 32));
    b.setInt(start + 10, (int) p.isid());
    b.setShort(start + 14, p.tsih());
    b.setInt(start + 24, p.statSn());
    b.setByte(start + 36, p.statusClass());
    b.setByte(start + 37, p.statusDetail());
  }

  private static void writeTextResponse(ByteBuf b, int start, TextResponse p) {
    int flags = (p.finalFlag() ? 0x80 : 0) | (p.continueFlag() ? 0x40 : 0);
    common(b, start, Opcodes.TEXT_RESPONSE, flags, p.lun(), p.initiatorTaskTag(),
        p.targetTransferTag(), p.expCmdSn(), p.maxCmdSn());
    b.setInt(start + 24, p.statSn());
  }

  private static void writeTaskManagementResponse(ByteBuf b, int start, TaskManagementResponse p) {
    common(b, start, Opcodes.TASK_MGMT_RESPONSE, 0x80, 0, p.initiatorTaskTag(), 0,
        p.expCmdSn(), p.maxCmdSn());
    b.setByte(start + 2, p.response());
    b.setInt(start + 24, p.statSn());
  }

  private static void writeLogoutResponse(ByteBuf b, int start, LogoutResponse p) {
    common(b, start, Opcodes.LOGOUT_RESPONSE, 0x80, 0, p.initiatorTaskTag(), 0, p.expCmdSn(),
        p.maxCmdSn());
    b.setByte(start + 2, p.response());
    b.setInt(start + 24, p.statSn());
    b.setShort(start + 40, p.time2Wait());
    b.setShort(start + 42, p.time2Retain());
  }

  private static void writeReject(ByteBuf b, int start, Reject p) {
    common(b, start, Opcodes.REJECT, 0x80, 0, Opcodes.RESERVED_TAG, 0, p.expCmdSn(),
        p.maxCmdSn());
    b.setByte(start + 2, p.reason());
    b.setInt(start + 24, p.statSn());
    b.setInt(start + 36, p.dataSnOrR2tSn());
  }

  private static void writeAsyncMessage(ByteBuf b, int start, AsyncMessage p) {
    common(b, start, Opcodes.ASYNC_MESSAGE, 0x80, p.lun(), Opcodes.RESERVED_TAG, 0,
        p.expCmdSn(), p.maxCmdSn());
    b.setInt(start + 24, p.statSn());
    b.setByte(start + 36, p.asyncEvent());
    b.setByte(start + 37, p.asyncVCode());
    b.setShort(start + 38, p.parameter1());
    b.setShort(start + 40, p.parameter2());
    b.setShort(start + 42, p.parameter3());
  }

  private static void common(ByteBuf b, int start, int opcode, int flags, long lun, int itt,
      int ttt, int expCmdSn, int maxCmdSn) {
    b.setByte(start, opcode);
    b.setByte(start + 1, flags);
    b.setLong(start + 8, lun);
    b.setInt(start + 16, itt);
    b.setInt(start + 20, ttt);
    b.setInt(start + 28, expCmdSn);
    b.setInt(start + 32, maxCmdSn);
  }

  @Override
  public String toString() {
    return "PduEncoder[headerDigest=" + headerDigest + ", dataDigest=" + dataDigest + "]";
  }
}
