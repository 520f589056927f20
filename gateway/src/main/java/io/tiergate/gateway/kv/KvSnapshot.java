package io.tiergate.gateway.kv;

/**
 * A consistent, read-only view of the store at the moment it was taken: later writes are
 * invisible to it. Created and closed by one thread, which releases the snapshot; an open
 * snapshot holds off closing the store.
 */
public interface KvSnapshot extends KvView, AutoCloseable {
  @Override
  void close();
}
