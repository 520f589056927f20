package io.tiergate.tiering;

import io.tiergate.crypto.ChunkId;
import io.tiergate.crypto.KeyRing;
import io.tiergate.crypto.PackCipher;
import io.tiergate.tiering.meta.CloudMetadata;
import io.tiergate.tiering.pack.PackEntry;
import io.tiergate.tiering.pack.PackFormat;
import io.tiergate.tiering.pack.PackFormatException;
import io.tiergate.tiering.pack.PackHeader;
import io.tiergate.tiering.pack.PackReader;
import io.tiergate.tiering.pack.PackWriter;
import io.tiergate.tiering.store.BandwidthLimiter;
import io.tiergate.tiering.store.ObjectStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The appliance's view of the cloud tier: upload chunk records in packs, read one back, delete
 * dead packs, and rebuild the index from the cloud alone.
 *
 * <p>Durability order: {@link #uploadPack} returns only after the pack object is durable (put
 * confirmed) <em>and</em> its index-journal entry is; only then may the caller mark the chunks
 * clean. A crash in between leaves at worst an unreferenced pack, which the caller's GC removes
 * as an orphan (a pack in the cloud that no local or journal entry names); it never leaves a
 * chunk marked clean without its bytes in the cloud.
 *
 * <p>Thread-safe: several uploads may run at once (each seals its own pack); their sum is held
 * under the shared {@link BandwidthLimiter}.
 */
public final class CloudTier {

  private static final Logger LOG = LoggerFactory.getLogger(CloudTier.class);

  private final ObjectStore store;
  private final KeyRing keys;
  private final BandwidthLimiter limiter;
  private final CloudMetadata metadata;

  /**
   * A cloud tier on {@code store} (wrap it in a {@code RetryingObjectStore} for back-off).
   *
   * @param keys the unlocked key ring; new packs use its current data key
   * @param limiter shared upload bandwidth limit
   */
  public CloudTier(ObjectStore store, KeyRing keys, BandwidthLimiter limiter) {
    this.store = store;
    this.keys = keys;
    this.limiter = limiter;
    this.metadata = new CloudMetadata(store);
  }

  /** The metadata objects (key ring, catalogue, journal) in the same store. */
  public CloudMetadata metadata() {
    return metadata;
  }

  /** One chunk's record to tier: its ID and its stored (compressed) bytes. */
  public record Record(ChunkId chunkId, byte[] bytes) {}

  /**
   * Seals {@code records} into one new pack, uploads it and journals it.
   *
   * @return the pack and the location of every record, durable in the cloud
   * @throws InterruptedException when interrupted while waiting for bandwidth
   */
  public UploadedPack uploadPack(List<Record> records) throws InterruptedException {
    byte[] packId = PackFormat.newPackId();
    PackRef ref;
    byte[] object;
    List<PackEntry> entries;
    try (PackCipher cipher = keys.newPackCipher(packId)) {
      int expected = PackFormat.HEADER_LENGTH + PackFormat.FOOTER_LENGTH;
      for (Record r : records) {
        expected += PackCipher.sealedLength(r.bytes().length) + 44;
      }
      PackWriter writer = new PackWriter(cipher, expected);
      for (Record r : records) {
        writer.add(r.chunkId(), r.bytes(), 0, r.bytes().length);
      }
      entries = writer.entries();
      object = writer.finish();
      ref = new PackRef(packId, cipher.keyId(), cipher.packSalt());
    }
    limiter.acquire(object.length);
    store.putIfAbsent(ref.objectName(), object);
    UploadedPack pack = new UploadedPack(ref, entries, object.length);
    metadata.appendJournal(keys.metadataCipher(), JournalCodec.encode(JournalCodec.PACK_ADDED, pack));
    LOG.debug("uploaded pack of {} records, {} bytes", entries.size(), object.length);
    return pack;
  }

  /**
   * Reads one record back with a single ranged GET and opens it.
   *
   * @throws io.tiergate.crypto.CryptoException {@code AUTHENTICATION_FAILED} when the stored
   *     bytes are not what was uploaded
   */
  public byte[] fetch(PackRef pack, PackEntry entry) {
    byte[] sealed = store.getRange(pack.objectName(), entry.offset(), entry.length());
    try (PackCipher cipher = keys.packCipher(pack.keyId(), pack.packId(), pack.salt())) {
      return PackReader.record(cipher, entry, sealed);
    }
  }

  /** Deletes dead packs and journals their deletion. */
  public void deletePacks(List<UploadedPack> packs) {
    for (UploadedPack p : packs) {
      metadata.appendJournal(keys.metadataCipher(), JournalCodec.encode(JournalCodec.PACK_DELETED, p));
    }
    store.delete(packs.stream().map(p -> p.ref().objectName()).toList());
  }

  /**
   * The packs the journal says are live, with their entries: what a fresh appliance needs to
   * find every tiered chunk, without reading a single pack.
   */
  public List<UploadedPack> livePacks() {
    Map<PackRef, UploadedPack> live = new LinkedHashMap<>();
    for (CloudMetadata.JournalEntry je : metadata.readJournal(keys.metadataCipher(), 0)) {
      JournalCodec.Entry e = JournalCodec.decode(je.entry());
      if (e.type() == JournalCodec.PACK_ADDED) {
        live.put(e.pack().ref(), e.pack());
      } else {
        live.remove(e.pack().ref());
      }
    }
    return List.copyOf(live.values());
  }

  /**
   * Reads a whole pack and rebuilds its entries from its own trailer (for verification, and for
   * recovery when the journal is lost).
   */
  public List<PackEntry> readPackIndex(PackRef pack) {
    byte[] object = store.get(pack.objectName());
    try (PackCipher cipher = keys.packCipher(pack.keyId(), pack.packId(), pack.salt())) {
      return PackReader.index(object, header -> {
        if (!header.equals(new PackHeader(PackFormat.VERSION, pack.keyId(), pack.packId(), pack.salt()))) {
          throw new PackFormatException("pack header does not match the pack it was fetched as");
        }
        return cipher;
      });
    }
  }
}
