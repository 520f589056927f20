package io.tiergate.iscsi.scsi;

/**
 * The I_T nexus a command arrives on: which initiator port talks to which target port. Used
 * by reservations (SPC-5 identifies registrants by I_T nexus) and unit attentions.
 *
 * @param initiatorName the initiator's iSCSI name (InitiatorName key)
 * @param isid the initiator's session id, six bytes as a 48-bit number
 * @param targetName the target's iSCSI name
 * @param targetPortalGroupTag the portal group the session logged in through
 */
public record ItNexus(String initiatorName, long isid, String targetName, int targetPortalGroupTag) {

  /** The SCSI initiator port name of RFC 7143 section 4.4.6: {@code name,i,0xISID}. */
  public String initiatorPortName() {
    return initiatorName + ",i,0x" + String.format("%012x", isid);
  }

  /** The SCSI target port name: {@code name,t,0xTPGT}. */
  public String targetPortName() {
    return targetName + ",t,0x" + String.format("%04x", targetPortalGroupTag);
  }
}
