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
 */
public record SpaceUsage(long provisionedBytes, long logicalBytes, long uniqueBytes,
    long storedBytes, long chunks, long diskBytes) {

  /** Logical over unique bytes: how much deduplication saves (1.0 = nothing). */
  public double dedupRatio() {
    return uniqueBytes == 0 ? 1.0 : (double) logicalBytes / uniqueBytes;
  }

  /** Unique over stored bytes: how much compression saves (1.0 = nothing). */
  public double compressionRatio() {
    return storedBytes == 0 ? 1.0 : (double) uniqueBytes / storedBytes;
  }
}
