/**
 * Tiergate's iSCSI target: {@link io.tiergate.iscsi.IscsiServer} serves the targets of a
 * {@link io.tiergate.iscsi.TargetConfig} (IQNs, LUNs backed by
 * {@link io.tiergate.iscsi.spi.BlockDevice}s, initiator allow lists, CHAP, queue depth) on one
 * TCP portal, taking targets added, replaced and removed while it runs and reporting refused
 * logins ({@link io.tiergate.iscsi.LoginFailure}); {@link io.tiergate.iscsi.Launcher} runs one
 * from the command line. Layers, from the wire inwards: {@code pdu} (codec), {@code login}
 * and {@code auth} (login phase), {@code session} (full feature phase), {@code scsi} (command
 * set), {@code spi} (storage).
 */
package io.tiergate.iscsi;
