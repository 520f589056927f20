package io.tiergate.iscsi.pdu;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;

/** Builds the typed record for one framed PDU: header fields in, record (or failure) out. */
final class PduParser {
  private static final int AHS_EXTENDED_CDB = 1;

  private PduParser() {}

  /**
   * Parses one PDU. Takes ownership of {@code data}: it ends up in the returned record or is
   * released when the PDU is refused.
   */
  static InitiatorPdu parse(byte[] bhs, byte[] ahs, ByteBuf data) {
    int opcode = bhs[0] & 0x3f;
    boolean immediate = (bhs[0] & 0x40) != 0;
    int flags = bhs[1] & 0xff;
    long lun = Bytes.getLong(bhs, 8);
    int itt = Bytes.getInt(bhs, 16);
    int word20 = Bytes.getInt(bhs, 20);
    int word24 = Bytes.getInt(bhs, 24);
    int word28 = Bytes.getInt(bhs, 28);
    switch (opcode) {
      case Opcodes.NOP_OUT:
        return new NopOut(bhs, immediate, lun, itt, word20, word24, word28, data);
      case Opcodes.SCSI_COMMAND: {
        byte[] cdb = cdb(bhs, ahs);
        if (cdb == null) {
          return refuse(data, DecodeFailure.Reason.INVALID_PDU_FIELD, bhs, "malformed AHS");
        }
        return new ScsiCommandPdu(bhs, immediate, (flags & 0x80) != 0, (flags & 0x40) != 0,
            (flags & 0x20) != 0, flags & 0x07, lun, itt, word20, word24, word28, cdb, data);
      }
      case Opcodes.TASK_MGMT_REQUEST:
        data.release();
        return new TaskManagementRequest(bhs, immediate, flags & 0x7f, lun, itt, word20, word24,
            word28, Bytes.getInt(bhs, 32), Bytes.getInt(bhs, 36));
      case Opcodes.LOGIN_REQUEST:
        return new LoginRequest(bhs, (flags & 0x80) != 0, (flags & 0x40) != 0,
            (flags >> 2) & 0x03, flags & 0x03, bhs[2] & 0xff, bhs[3] & 0xff,
            Bytes.getUint48(bhs, 8), Bytes.getShort(bhs, 14), itt, Bytes.getShort(bhs, 20),
            word24, word28, data);
      case Opcodes.TEXT_REQUEST:
        return new TextRequest(bhs, immediate, (flags & 0x80) != 0, (flags & 0x40) != 0, lun,
            itt, word20, word24, word28, data);
      case Opcodes.DATA_OUT:
        return new DataOut(bhs, (flags & 0x80) != 0, lun, itt, word20, word28,
            Bytes.getInt(bhs, 36), Bytes.getInt(bhs, 40), data);
      case Opcodes.LOGOUT_REQUEST:
        data.release();
        return new LogoutRequest(bhs, immediate, flags & 0x7f, itt, Bytes.getShort(bhs, 20),
            word24, word28);
      case Opcodes.SNACK_REQUEST:
        data.release();
        return new SnackRequest(bhs, flags & 0x0f, itt);
      default:
        return refuse(data, DecodeFailure.Reason.COMMAND_NOT_SUPPORTED, bhs,
            "opcode 0x" + Integer.toHexString(opcode));
    }
  }

  private static DecodeFailure refuse(ByteBuf data, DecodeFailure.Reason reason, byte[] bhs,
      String why) {
    data.release();
    return new DecodeFailure(reason, bhs, false, why);
  }

  /** The 16 header CDB bytes, extended by an extended-CDB AHS if present; null if malformed. */
  private static byte[] cdb(byte[] bhs, byte[] ahs) {
    byte[] cdb = Arrays.copyOfRange(bhs, 32, 48);
    int i = 0;
    while (i < ahs.length) {
      if (i + 4 > ahs.length) {
        return null;
      }
      int length = ((ahs[i] & 0xff) << 8) | (ahs[i + 1] & 0xff);
      int type = ahs[i + 2] & 0xff;
      int end = i + 3 + length;
      if (end > ahs.length) {
        return null;
      }
      if (type == AHS_EXTENDED_CDB && length > 1) {
        byte[] extended = Arrays.copyOf(cdb, 16 + length - 1);
        System.arraycopy(ahs, i + 4, extended, 16, length - 1);
        cdb = extended;
      }
      i = (end + 3) & ~3;
    }
    return cdb;
  }
}
