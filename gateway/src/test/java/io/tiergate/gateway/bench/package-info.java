/**
 * JMH benchmarks of the gateway's chunk write path, run by {@code gateway/bench-write-path};
 * not unit tests.
 */
package io.tiergate.gateway.bench;
