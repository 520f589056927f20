package io.tiergate.gateway.kv;

/**
 * The column families of the appliance database. Keys are big-endian so that scans run in
 * numeric order. What each holds is decided by the engine; this enum only fixes names and
 * storage tuning.
 */
public enum Column {
  /** Volume id -> volume configuration, and per-volume side records. */
  VOLUMES("volumes"),
  /** (volume id, snapshot epoch, chunk index) -> chunk ID. */
  BLOCKMAP("blockmap"),
  /** Chunk ID -> chunk record (refcount, lengths, compression, state). */
  CHUNKS("chunks"),
  /** Chunk ID -> stored chunk bytes: the hot cache, kept in BlobDB blob files. */
  CHUNKDATA("chunkdata"),
  /** Pack id -> pack record (used by the cloud tier). */
  PACKS("packs"),
  /**
   * Secondary index of the chunk records for the cloud tier (dirty, evictable and per-pack
   * chunks), kept by the engine in the same batches as the records. A store written before
   * this family existed gets it, empty, on open.
   */
  TIERINDEX("tierindex"),
  /**
   * Format version, key slots, appliance id, and counters. Values merged with {@link
   * KvBatch#add} are 8-byte little-endian unsigned counters (RocksDB's uint64add).
   */
  META("meta");

  private final String cfName;

  Column(String cfName) {
    this.cfName = cfName;
  }

  /** The column family's name in the database. */
  public String cfName() {
    return cfName;
  }
}
