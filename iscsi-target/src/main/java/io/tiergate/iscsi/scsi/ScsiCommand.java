package io.tiergate.iscsi.scsi;

import io.netty.buffer.ByteBuf;

/**
 * One SCSI command as the session hands it to the SCSI layer, with all of its data-out
 * already gathered (immediate, unsolicited and solicited).
 *
 * @param nexus the I_T nexus the command came on
 * @param lun the logical unit number (the 64-bit LUN field decoded to a flat number)
 * @param cdb the command descriptor block, as received (up to 16 bytes, or more with AHS)
 * @param dataOut the data-out bytes (empty for commands without); owned by the command, and
 *     released by the SCSI layer when the command completes
 * @param expectedDataTransferLength the initiator's ExpectedDataTransferLength
 * @param taskAttribute the SAM task attribute (0 untagged, 1 simple, 2 ordered, 3 head of queue, 4 ACA)
 * @param initiatorTaskTag the task tag, for abort
 */
public record ScsiCommand(
    ItNexus nexus,
    long lun,
    byte[] cdb,
    ByteBuf dataOut,
    int expectedDataTransferLength,
    int taskAttribute,
    int initiatorTaskTag) {}
