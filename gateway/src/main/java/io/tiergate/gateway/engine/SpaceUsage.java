package io.tiergate.gateway.engine;

/**
 * Space figures, for one volume or the whole appliance.
 *
 * @param provisionedBytes sum of volume sizes
 * @param logicalBytes bytes mapped by block maps (chunks that are not holes)
 * @param uniqueBytes plaintext bytes of the distinct chunks referenced (an estimate for a
 *     single volume, exact for the appliance)
 * @param storedBytes bytes of chunk records as stored (compressed, with headers): for the
 *     appliance the physical chunk bytes; for a volume those of its distinct chunks
 * @param chunks distinct chunks referenced
 * @param diskBytes bytes the database occupies on disk (appliance only, else 0)
 * @param chunkBytes bytes of the distinct chunks' records as stored (compressed, with
 *     headers) wherever they are, local or evicted to the cloud: what the compression ratio
 *     divides by, so that eviction and cold reads leave it alone
 */
public record SpaceUsage(long provisionedBytes, long logicalBytes, long uniqueBytes,
    long storedBytes, long chunks, long diskBytes, long chunkBytes) {

  /** Figures where every chunk is local (chunk bytes = stored bytes). */
  public SpaceUsage(long provisionedBytes, long logicalBytes, long uniqueBytes,
      long storedBytes, long chunks, long diskBytes) {
    this(provisionedBytes, logicalBytes, uniqueBytes, storedBytes, chunks, diskBytes,
        storedBytes);
  }

  /** Logical over unique bytes: how much deduplication saves (1.0 = nothing). */
  public double dedupRatio() {
    return uniqueBytes == 0 ? 1.0 : (double) logicalBytes / uniqueBytes;
  }

  /**
   * Unique bytes over the chunk bytes that hold them, local or in the cloud: how much
   * compression saves (1.0 = nothing; a little under 1.0 for incompressible data, whose
   * chunks carry an 8-byte header).
   */
  public double compressionRatio() {
    return chunkBytes == 0 ? 1.0 : (double) uniqueBytes / chunkBytes;
  }
}
