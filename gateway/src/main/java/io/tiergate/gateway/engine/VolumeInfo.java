package io.tiergate.gateway.engine;

import java.util.UUID;

/** A volume's configuration as stored. */
public record VolumeInfo(long id, String name, long sizeBytes, int chunkSize, boolean pinned,
    UUID uuid, long createdMillis) {

  /** Number of chunks covering the volume. */
  public long chunkCount() {
    return (sizeBytes + chunkSize - 1) / chunkSize;
  }
}
