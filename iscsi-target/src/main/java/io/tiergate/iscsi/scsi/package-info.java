/**
 * The SCSI command layer (SBC-4, SPC-5) between the iSCSI session and the
 * {@link io.tiergate.iscsi.spi.BlockDevice}s: {@link io.tiergate.iscsi.scsi.LogicalUnits} is the
 * boundary the session drives, {@link io.tiergate.iscsi.scsi.BlockDeviceLogicalUnits} its
 * implementation. Inside, one table ({@code CommandTable}) dispatches to one small family of
 * handlers per opcode group, and one class ({@code ErrorMapper}) turns every failure into
 * status and sense.
 */
package io.tiergate.iscsi.scsi;
