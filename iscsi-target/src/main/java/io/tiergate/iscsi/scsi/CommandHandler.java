package io.tiergate.iscsi.scsi;

/**
 * Executes one kind of SCSI command. Handlers decode the CDB, validate every field, call the
 * device and build the result; they signal failures by throwing {@link ScsiException} (or
 * letting a {@link io.tiergate.iscsi.spi.BlockDeviceException} through), never by building sense
 * themselves.
 */
@FunctionalInterface
interface CommandHandler {

  ScsiResult execute(ScsiTask task);
}
