package io.tiergate.gateway.engine;

/**
 * Told, per chunk, where volume reads found their data: for the cache hit ratio. Called on the
 * reading thread once per group of chunks of a command; must be cheap and must not throw.
 * Holes (unmapped chunks) are neither; read-ahead and the read half of a partial write are not
 * reported.
 *
 * @see BlockEngine#setReadObserver
 */
public interface ReadObserver {

  /** {@code n} chunks were served locally (decoded-chunk cache or local chunk store). */
  void localChunks(int n);

  /** {@code n} chunks had to be read back from the cloud tier. */
  void coldChunks(int n);

  /** Observes nothing. */
  ReadObserver NONE = new ReadObserver() {
    @Override
    public void localChunks(int n) {}

    @Override
    public void coldChunks(int n) {}
  };
}
