package io.tiergate.gateway.engine;

import java.util.regex.Pattern;

/**
 * What to create: a thin volume of {@code sizeBytes} (a multiple of 512) cut into chunks of
 * {@code chunkSize} bytes (a power of two from 32 KiB to 256 KiB), at most {@link
 * #MAX_SIZE_BYTES}. A pinned volume stays on
 * local disk; a tiered one may have cold chunks moved to the cloud.
 */
public record VolumeSpec(String name, long sizeBytes, int chunkSize, boolean pinned) {
  /** Default chunk size: 64 KiB. */
  public static final int DEFAULT_CHUNK_SIZE = 64 << 10;

  /**
   * The largest volume: 64 TiB, StorSimple's limit. The block map and READ CAPACITY 16 would
   * address more, but every figure summed over volumes must stay far from overflow and a
   * volume's per-chunk scans (usage, delete) stay bounded; raising it is a documented change.
   */
  public static final long MAX_SIZE_BYTES = 64L << 40;

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{0,62}");

  /** A tiered volume with the default chunk size. */
  public static VolumeSpec of(String name, long sizeBytes) {
    return new VolumeSpec(name, sizeBytes, DEFAULT_CHUNK_SIZE, false);
  }

  /** Validates; names are lower-case so that they fit an IQN. */
  public VolumeSpec {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new EngineException(EngineException.Code.INVALID_ARGUMENT,
          "volume name must be 1-63 of a-z 0-9 . - starting with a letter or digit: " + name);
    }
    if (sizeBytes <= 0 || sizeBytes % Volume.BLOCK_SIZE != 0) {
      throw new EngineException(EngineException.Code.INVALID_ARGUMENT,
          "volume size must be a positive multiple of 512 bytes");
    }
    if (sizeBytes > MAX_SIZE_BYTES) {
      throw new EngineException(EngineException.Code.INVALID_ARGUMENT,
          "volume size must be at most 64 TiB");
    }
    if (chunkSize < (32 << 10) || chunkSize > (256 << 10) || Integer.bitCount(chunkSize) != 1) {
      throw new EngineException(EngineException.Code.INVALID_ARGUMENT,
          "chunk size must be a power of two from 32 KiB to 256 KiB");
    }
  }
}
