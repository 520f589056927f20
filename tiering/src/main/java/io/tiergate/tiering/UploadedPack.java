package io.tiergate.tiering;

import io.tiergate.tiering.pack.PackEntry;
import java.util.List;

/**
 * A pack that is durable in the cloud, and where each of its chunks lies in it.
 *
 * @param ref the pack
 * @param entries one per record, in record order
 * @param size the pack object's size in bytes
 */
public record UploadedPack(PackRef ref, List<PackEntry> entries, long size) {

  /** Copies the list. */
  public UploadedPack {
    entries = List.copyOf(entries);
  }
}
