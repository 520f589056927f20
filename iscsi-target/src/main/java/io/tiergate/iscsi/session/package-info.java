/**
 * iSCSI sessions and connections in full feature phase (RFC 7143, error recovery level 0).
 * {@link io.tiergate.iscsi.session.Portal} is the entry point: it builds each accepted
 * connection's pipeline and admits sessions whose login finished. Per connection,
 * {@code IscsiConnection} keeps the phases and dispatches PDUs to its parts: the CmdSN window
 * ({@code CommandWindow}), the commands in flight and task management ({@code TaskSet}), the
 * gathering of immediate, unsolicited and R2T-solicited data ({@code DataOutGathering}),
 * Data-In and status ({@code DataInSender}), Text Requests ({@code TextRequests}), plus NOP
 * keepalive, logout and session reinstatement. Commands go to the target's
 * {@link io.tiergate.iscsi.scsi.LogicalUnits}; their results come back on the connection's
 * event loop.
 */
package io.tiergate.iscsi.session;
