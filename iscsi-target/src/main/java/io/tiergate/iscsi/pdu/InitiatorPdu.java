package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

/**
 * A PDU decoded from the initiator's byte stream. Records that carry a data segment hold it as
 * a retained {@link ByteBuf}; the record's reference count is that buffer's, so whoever
 * consumes the record releases it ({@code ReferenceCountUtil.release(pdu)}).
 */
public sealed interface InitiatorPdu extends ReferenceCounted
    permits NopOut, ScsiCommandPdu, TaskManagementRequest, LoginRequest, TextRequest, DataOut,
        LogoutRequest, SnackRequest, DecodeFailure {

  /** The raw 48-byte basic header segment, as received (for Reject PDUs). */
  byte[] bhs();

  /** The data segment without padding or digest; empty when there is none. */
  ByteBuf data();

  /** The initiator task tag. */
  default int initiatorTaskTag() {
    return Bytes.getInt(bhs(), 16);
  }

  @Override
  default int refCnt() {
    return data().refCnt();
  }

  @Override
  default InitiatorPdu retain() {
    data().retain();
    return this;
  }

  @Override
  default InitiatorPdu retain(int increment) {
    data().retain(increment);
    return this;
  }

  @Override
  default InitiatorPdu touch() {
    data().touch();
    return this;
  }

  @Override
  default InitiatorPdu touch(Object hint) {
    data().touch(hint);
    return this;
  }

  @Override
  default boolean release() {
    return data().release();
  }

  @Override
  default boolean release(int decrement) {
    return data().release(decrement);
  }
}
