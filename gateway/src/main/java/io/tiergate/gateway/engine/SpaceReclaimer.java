package io.tiergate.gateway.engine;

/**
 * Makes local room when a write would exceed the capacity: evicts clean chunks, and may wait a
 * bounded time for dirty ones to reach the cloud (back-pressure). Called by {@link
 * BlockEngine#apply} before it takes any chunk lock, on the writing thread; when it returns
 * and the room is still not there, the write fails with SPACE ALLOCATION FAILED. It never drops
 * a dirty chunk.
 */
public interface SpaceReclaimer {

  /** Tries to free at least {@code bytes} of local stored bytes; returns bytes freed. */
  long reclaim(long bytes);
}
