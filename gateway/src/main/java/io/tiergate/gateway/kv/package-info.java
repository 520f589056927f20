/**
 * The gateway's key-value store: a small interface ({@link io.tiergate.gateway.kv.KvStore})
 * over one RocksDB database per appliance, with the column families of the on-disk state
 * ({@link io.tiergate.gateway.kv.Column}). This is the only package that imports
 * {@code org.rocksdb}; every RocksDB failure leaves it as a {@link
 * io.tiergate.gateway.kv.KvException}, and every native object it creates has exactly one owner
 * that closes it.
 */
package io.tiergate.gateway.kv;
