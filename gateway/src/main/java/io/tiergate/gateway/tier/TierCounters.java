package io.tiergate.gateway.tier;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the cloud tier has done, for the metrics and the admin API to read: monotonic counters
 * and a few gauges. Written by the tier's threads, read by anyone.
 */
public final class TierCounters {
  final LongAdder bytesUp = new LongAdder();
  final LongAdder bytesDown = new LongAdder();
  final LongAdder packsUploaded = new LongAdder();
  final LongAdder chunksUploaded = new LongAdder();
  final LongAdder coldReads = new LongAdder();
  final LongAdder uploadErrors = new LongAdder();
  final LongAdder readErrors = new LongAdder();
  final LongAdder integrityFailures = new LongAdder();
  final LongAdder evictedBytes = new LongAdder();
  final LongAdder packsDeleted = new LongAdder();
  final LongAdder packsRepacked = new LongAdder();
  final LongAdder requestNanos = new LongAdder();
  final LongAdder requests = new LongAdder();
  final AtomicLong uploadQueueBytes = new AtomicLong();
  final AtomicLong lastUploadMillis = new AtomicLong();
  final AtomicLong gcPendingPacks = new AtomicLong();
  volatile String lastError;

  /** Bytes uploaded (pack objects). */
  public long bytesUp() {
    return bytesUp.sum();
  }

  /** Bytes downloaded (sealed records of cold reads and repacks). */
  public long bytesDown() {
    return bytesDown.sum();
  }

  /** Packs uploaded. */
  public long packsUploaded() {
    return packsUploaded.sum();
  }

  /** Chunks marked clean after an upload. */
  public long chunksUploaded() {
    return chunksUploaded.sum();
  }

  /** Evicted chunks read back from the cloud. */
  public long coldReads() {
    return coldReads.sum();
  }

  /** Failed pack uploads (each retried by a later pass). */
  public long uploadErrors() {
    return uploadErrors.sum();
  }

  /** Failed cold reads, integrity failures included. */
  public long readErrors() {
    return readErrors.sum();
  }

  /** Cold reads refused because the bytes did not authenticate or match the chunk ID. */
  public long integrityFailures() {
    return integrityFailures.sum();
  }

  /** Stored bytes evicted from local disk. */
  public long evictedBytes() {
    return evictedBytes.sum();
  }

  /** Dead packs deleted from the cloud. */
  public long packsDeleted() {
    return packsDeleted.sum();
  }

  /** Packs rewritten by the GC. */
  public long packsRepacked() {
    return packsRepacked.sum();
  }

  /** Cloud requests timed (uploads and ranged reads). */
  public long requests() {
    return requests.sum();
  }

  /** Total time of the timed cloud requests, in nanoseconds. */
  public long requestNanos() {
    return requestNanos.sum();
  }

  /** Stored bytes of the upload now in flight. */
  public long uploadQueueBytes() {
    return uploadQueueBytes.get();
  }

  /** Packs the GC has work for (past the dead-bytes threshold, or dead in their grace period). */
  public long gcPendingPacks() {
    return gcPendingPacks.get();
  }

  /** The last cloud failure, for the administrator (never carries a secret), or null. */
  public String lastError() {
    return lastError;
  }
}
