package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

/**
 * A PDU the target sends. Like {@link InitiatorPdu}, a record's reference count is that of its
 * data segment; {@link PduEncoder} releases it once written.
 */
public sealed interface TargetPdu extends ReferenceCounted
    permits NopIn, ScsiResponse, TaskManagementResponse, LoginResponse, TextResponse, DataIn,
        LogoutResponse, R2t, AsyncMessage, Reject {

  /** The data segment without padding; empty when there is none. */
  ByteBuf data();

  @Override
  default int refCnt() {
    return data().refCnt();
  }

  @Override
  default TargetPdu retain() {
    data().retain();
    return this;
  }

  @Override
  default TargetPdu retain(int increment) {
    data().retain(increment);
    return this;
  }

  @Override
  default TargetPdu touch() {
    data().touch();
    return this;
  }

  @Override
  default TargetPdu touch(Object hint) {
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
