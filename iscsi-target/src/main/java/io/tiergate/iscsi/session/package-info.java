/**
 * iSCSI sessions and connections in full feature phase (RFC 7143, error recovery level 0):
 * the CmdSN window, gathering of immediate, unsolicited and R2T-solicited data, Data-In and
 * status, task management, NOP keepalive, logout and session reinstatement. Commands go to the
 * target's {@link io.tiergate.iscsi.scsi.LogicalUnits}; their results come back on the
 * connection's event loop. {@link io.tiergate.iscsi.session.Portal} is the entry point: it
 * builds each accepted connection's pipeline.
 */
package io.tiergate.iscsi.session;
