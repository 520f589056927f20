/**
 * The service-provider interface between the iSCSI target and the storage behind each LUN:
 * {@link io.tiergate.iscsi.spi.BlockDevice}. The gateway's volumes implement it; so do the
 * in-memory and sparse-file devices used by tests and the standalone launcher.
 */
package io.tiergate.iscsi.spi;
