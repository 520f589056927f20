package io.tiergate.iscsi.scsi;

/**
 * A command failure expressed in SCSI terms: a status and, for CHECK CONDITION, the sense key,
 * additional sense code and the optional information and sense-key-specific fields. Thrown by
 * command handlers and turned into a {@link ScsiResult} by {@link ErrorMapper} only.
 */
final class ScsiException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  final int status;
  final int senseKey;
  final int asc;
  final int ascq;
  /** The INFORMATION field, or -1 when not valid. */
  final long information;
  /** Field pointer for INVALID FIELD IN CDB / PARAMETER LIST, or -1. */
  final int fieldPointer;
  /** Bit pointer (0-7) within the field pointer byte, or -1. */
  final int bitPointer;
  /** True when the field pointer refers to the CDB, false for the parameter list. */
  final boolean inCdb;

  ScsiException(int status, int senseKey, int asc, int ascq, long information,
      int fieldPointer, int bitPointer, boolean inCdb) {
    super(null, null, false, false);
    this.status = status;
    this.senseKey = senseKey;
    this.asc = asc;
    this.ascq = ascq;
    this.information = information;
    this.fieldPointer = fieldPointer;
    this.bitPointer = bitPointer;
    this.inCdb = inCdb;
  }

  static ScsiException check(int key, int asc, int ascq) {
    return new ScsiException(ScsiResult.CHECK_CONDITION, key, asc, ascq, -1, -1, -1, true);
  }

  /** ILLEGAL REQUEST, INVALID FIELD IN CDB, pointing at {@code byteIndex} (and {@code bit}, or -1). */
  static ScsiException invalidCdbField(int byteIndex, int bit) {
    return new ScsiException(ScsiResult.CHECK_CONDITION, Sense.ILLEGAL_REQUEST, 0x24, 0x00, -1,
        byteIndex, bit, true);
  }

  /** ILLEGAL REQUEST, INVALID FIELD IN PARAMETER LIST, pointing at {@code byteIndex}. */
  static ScsiException invalidParameterField(int byteIndex, int bit) {
    return new ScsiException(ScsiResult.CHECK_CONDITION, Sense.ILLEGAL_REQUEST, 0x26, 0x00, -1,
        byteIndex, bit, false);
  }

  static ScsiException invalidOpcode() {
    return new ScsiException(ScsiResult.CHECK_CONDITION, Sense.ILLEGAL_REQUEST, 0x20, 0x00, -1,
        0, 7, true);
  }

  static ScsiException lbaOutOfRange() {
    return check(Sense.ILLEGAL_REQUEST, 0x21, 0x00);
  }

  static ScsiException parameterListLengthError() {
    return check(Sense.ILLEGAL_REQUEST, 0x1A, 0x00);
  }

  static ScsiException lunNotSupported() {
    return check(Sense.ILLEGAL_REQUEST, 0x25, 0x00);
  }

  static ScsiException reservationConflict() {
    return new ScsiException(ScsiResult.RESERVATION_CONFLICT, 0, 0, 0, -1, -1, -1, true);
  }

  static ScsiException miscompare(long offset) {
    return new ScsiException(ScsiResult.CHECK_CONDITION, Sense.MISCOMPARE, 0x1D, 0x00, offset,
        -1, -1, true);
  }

  static ScsiException unitAttention(int asc, int ascq) {
    return check(Sense.UNIT_ATTENTION, asc, ascq);
  }

  @Override
  public String getMessage() {
    return String.format("status 0x%02x sense %x/%02x/%02x", status, senseKey, asc, ascq);
  }
}
