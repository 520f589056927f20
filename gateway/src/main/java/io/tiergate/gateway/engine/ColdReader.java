package io.tiergate.gateway.engine;

/**
 * Reads an evicted chunk's stored bytes back from the cloud tier. What it returns has entered
 * the engine through {@link ChunkTierStore#admit}, which checked it (decode and chunk ID) once;
 * see {@link BlockEngine#setColdReader}.
 */
public interface ColdReader {

  /**
   * The admitted stored bytes (chunk header included) of chunk {@code chunkId}, whose sealed
   * record is number {@code recordIndex} at {@code offset} ({@code length} bytes) of local pack {@code
   * packNumber}.
   *
   * @throws io.tiergate.iscsi.spi.BlockDeviceException UNRECOVERED_READ_ERROR when the record
   *     cannot be read or does not authenticate, NOT_READY when the cloud is unreachable
   */
  AdmittedChunk read(byte[] chunkId, long packNumber, int recordIndex, long offset, int length);

  /**
   * Starts reading an evicted chunk in the background (read-ahead), so that a {@link #read} of
   * it soon after finds it local or joins the fetch in flight. May do nothing.
   */
  default void prefetch(byte[] chunkId, long packNumber, int recordIndex, long offset,
      int length) {}
}
