/**
 * {@link io.tiergate.iscsi.spi.BlockDevice} implementations that need no gateway: a thin device
 * in memory and one in a sparse file, used by tests, the standalone launcher and the benchmark.
 */
package io.tiergate.iscsi.device;
