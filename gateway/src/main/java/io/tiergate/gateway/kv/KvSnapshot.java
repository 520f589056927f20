package io.tiergate.gateway.kv;

/**
 * A consistent, read-only view of the store at the moment it was taken: later writes are
 * invisible to it. Closed by its single owner, which releases the snapshot.
 */
public interface KvSnapshot extends KvView, AutoCloseable {
  @Override
  void close();
}
