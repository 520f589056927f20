package io.tiergate.iscsi.spi;

/**
 * A failure of a {@link BlockDevice} operation, typed so that the target can answer with the
 * right SCSI sense. Messages must not carry data, keys or secrets.
 */
public final class BlockDeviceException extends RuntimeException {

  /** What went wrong, in terms the SCSI layer can map to sense data. */
  public enum Kind {
    /** Stored data could not be read or failed verification (MEDIUM ERROR). */
    UNRECOVERED_READ_ERROR,
    /** A write could not be stored (MEDIUM ERROR, write error). */
    WRITE_ERROR,
    /** No space left to store the write (DATA PROTECT, space allocation failed). */
    SPACE_ALLOCATION_FAILED,
    /** The LBA range lies outside the device (ILLEGAL REQUEST). */
    LBA_OUT_OF_RANGE,
    /** The device is read-only (DATA PROTECT, write protected). */
    WRITE_PROTECTED,
    /** The device is temporarily unable to serve (NOT READY). */
    NOT_READY
  }

  private final Kind kind;

  /** Creates an exception of the given kind. */
  public BlockDeviceException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  /** Creates an exception of the given kind with a cause. */
  public BlockDeviceException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  /** What went wrong. */
  public Kind kind() {
    return kind;
  }
}
