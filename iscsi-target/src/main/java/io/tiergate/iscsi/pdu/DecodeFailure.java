package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Input that could not be decoded into a PDU. The session answers with a Reject carrying
 * {@link Reason#rejectReason()} and, when {@link #fatal()}, closes the connection: after a
 * header digest error or an impossible length the byte stream can no longer be framed, and the
 * decoder discards everything that follows.
 *
 * @param reason what was wrong
 * @param bhs the basic header segment as received (48 bytes, possibly garbage)
 * @param fatal true when the stream cannot be resynchronised
 * @param detail a short description for the log (never data)
 */
public record DecodeFailure(Reason reason, byte[] bhs, boolean fatal, String detail)
    implements InitiatorPdu {

  /** Why decoding failed, with the Reject reason code of RFC 7143 section 11.17.1. */
  public enum Reason {
    /** Payload digest mismatch. */
    DATA_DIGEST_ERROR(0x02),
    /** Header digest mismatch: framing is lost. */
    HEADER_DIGEST_ERROR(0x04),
    /** A length beyond what was negotiated or can be framed. */
    PROTOCOL_ERROR(0x04),
    /** An opcode a target does not accept. */
    COMMAND_NOT_SUPPORTED(0x05),
    /** A header field with a value that is not allowed. */
    INVALID_PDU_FIELD(0x09);

    private final int rejectReason;

    Reason(int rejectReason) {
      this.rejectReason = rejectReason;
    }

    /** The Reject PDU reason code. */
    public int rejectReason() {
      return rejectReason;
    }
  }

  @Override
  public ByteBuf data() {
    return Unpooled.EMPTY_BUFFER;
  }
}
