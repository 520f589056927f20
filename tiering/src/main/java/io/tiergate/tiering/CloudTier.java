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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The appliance's view of the cloud tier: upload chunk records in packs, read one back, delete
 * dead packs, and rebuild the index from the cloud alone.
 *
 * <p>Durability: {@link #uploadPack} returns only after the pack object is durable (put
 * confirmed); only then may the caller mark its chunks clean. Packs describe themselves (their
 * sealed trailer), so the cloud's list of packs is the truth about what is stored; the index
 * journal is an encrypted cache of the packs' indexes, appended once per {@code journalBatch}
 * packs (and on {@link #flushJournal}) so that tiering costs about one request per pack.
 * {@link #livePacks} takes each listed pack's index from the journal and reads the trailer of
 * only those packs the journal has not caught up with. A crash therefore never loses track of
 * an uploaded pack, and never leaves a chunk marked clean without its bytes in the cloud.
 *
 * <p>Upload is two steps so that they can overlap across packs: {@link #seal} is CPU only (seal
 * the records and take the MD5 of the object's bytes as they are written), {@link #upload}
 * sends one pack, whole, with that MD5 as Content-MD5. A caller seals the next pack while the
 * previous ones are on the wire.
 *
 * <p>Thread-safe: several seals and uploads may run at once; the uploads' sum is held under
 * the shared {@link BandwidthLimiter}.
 */
public final class CloudTier {

  private static final Logger LOG = LoggerFactory.getLogger(CloudTier.class);

  private final ObjectStore store;
  private final KeyRing keys;
  private final BandwidthLimiter limiter;
  private final CloudMetadata metadata;
  private final int journalBatch;
  private final List<UploadedPack> unjournaled = new ArrayList<>();

  /**
   * A cloud tier on {@code store} (wrap it in a {@code RetryingObjectStore} for back-off).
   *
   * @param keys the unlocked key ring; new packs use its current data key
   * @param limiter shared upload bandwidth limit
   * @param journalBatch how many uploaded packs one journal entry indexes (1 = every pack)
   */
  public CloudTier(ObjectStore store, KeyRing keys, BandwidthLimiter limiter, int journalBatch) {
    if (journalBatch < 1) {
      throw new IllegalArgumentException("journalBatch must be at least 1");
    }
    this.store = store;
    this.keys = keys;
    this.limiter = limiter;
    this.metadata = new CloudMetadata(store);
    this.journalBatch = journalBatch;
  }

  /** The metadata objects (key ring, catalogue, journal) in the same store. */
  public CloudMetadata metadata() {
    return metadata;
  }

  /** One chunk's record to tier: its ID and its stored (compressed) bytes. */
  public record Record(ChunkId chunkId, byte[] bytes) {}

  /**
   * A pack sealed in memory and not yet uploaded: its object bytes, their MD5 (computed while
   * sealing) and where each record lies. Holding one costs the pack's size in heap.
   */
  public static final class SealedPack {
    private final PackRef ref;
    private final List<PackEntry> entries;
    private final byte[] object;
    private final byte[] md5;

    private SealedPack(PackRef ref, List<PackEntry> entries, byte[] object, byte[] md5) {
      this.ref = ref;
      this.entries = entries;
      this.object = object;
      this.md5 = md5;
    }

    /** The pack. */
    public PackRef ref() {
      return ref;
    }

    /** One entry per record, in record order. */
    public List<PackEntry> entries() {
      return entries;
    }

    /** The pack object's size in bytes. */
    public int size() {
      return object.length;
    }

    @Override
    public String toString() {
      return "SealedPack[" + ref + ", " + entries.size() + " records, " + object.length + " bytes]";
    }
  }

  /**
   * Seals {@code records} into one new pack in memory, computing the MD5 of its bytes as they
   * are written. CPU only: nothing is sent, so a caller can seal the next pack while the last
   * one is still uploading.
   */
  public SealedPack seal(List<Record> records) {
    byte[] packId = PackFormat.newPackId();
    MessageDigest md5;
    try {
      md5 = MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no MD5", e);
    }
    try (PackCipher cipher = keys.newPackCipher(packId)) {
      PackWriter writer = new PackWriter(cipher,
          PackWriter.packSize(records.stream().mapToInt(r -> r.bytes().length).toArray()), md5);
      for (Record r : records) {
        writer.add(r.chunkId(), r.bytes(), 0, r.bytes().length);
      }
      List<PackEntry> entries = writer.entries();
      byte[] object = writer.finish();
      return new SealedPack(new PackRef(packId, cipher.keyId(), cipher.packSalt()), entries,
          object, md5.digest());
    }
  }

  /**
   * Uploads a sealed pack under the bandwidth limit, with its Content-MD5, and journals it with
   * the next batch.
   *
   * @return the pack and the location of every record, durable in the cloud
   * @throws InterruptedException when interrupted while waiting for bandwidth
   */
  public UploadedPack upload(SealedPack sealed) throws InterruptedException {
    limiter.acquire(sealed.object.length);
    store.putIfAbsent(sealed.ref.objectName(), sealed.object, sealed.md5);
    UploadedPack pack = new UploadedPack(sealed.ref, sealed.entries, sealed.object.length);
    LOG.debug("uploaded pack of {} records, {} bytes", sealed.entries.size(), sealed.object.length);
    List<UploadedPack> toJournal = null;
    synchronized (unjournaled) {
      unjournaled.add(pack);
      if (unjournaled.size() >= journalBatch) {
        toJournal = List.copyOf(unjournaled);
        unjournaled.clear();
      }
    }
    if (toJournal != null) {
      journal(toJournal);
    }
    return pack;
  }

  /**
   * Seals {@code records} into one new pack and uploads it: {@link #seal} then {@link #upload}.
   *
   * @return the pack and the location of every record, durable in the cloud
   * @throws InterruptedException when interrupted while waiting for bandwidth
   */
  public UploadedPack uploadPack(List<Record> records) throws InterruptedException {
    return upload(seal(records));
  }

  /** Journals every uploaded pack not journaled yet (e.g. at the end of a sync, or on shutdown). */
  public void flushJournal() {
    List<UploadedPack> toJournal;
    synchronized (unjournaled) {
      toJournal = List.copyOf(unjournaled);
      unjournaled.clear();
    }
    if (!toJournal.isEmpty()) {
      journal(toJournal);
    }
  }

  private void journal(List<UploadedPack> packs) {
    try {
      metadata.appendJournal(keys.metadataCipher(), JournalCodec.encode(packs));
    } catch (RuntimeException e) {
      // The packs are durable and self-describing; only the shortcut to their index is late.
      synchronized (unjournaled) {
        unjournaled.addAll(0, packs);
      }
      throw e;
    }
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

  /**
   * Reads records that lie back to back in one pack with a single ranged GET, and opens each:
   * read-ahead of chunks that were packed in volume order costs one request, not one per chunk.
   *
   * @param run entries of {@code pack}, each starting where the previous one ends
   * @return the opened records, in the order of {@code run}
   * @throws IllegalArgumentException when {@code run} is empty or not contiguous
   * @throws io.tiergate.crypto.CryptoException {@code AUTHENTICATION_FAILED} when any record is
   *     not what was uploaded (then none is returned)
   */
  public List<byte[]> fetchRun(PackRef pack, List<PackEntry> run) {
    if (run.isEmpty()) {
      throw new IllegalArgumentException("no records to fetch");
    }
    long start = run.get(0).offset();
    long end = start;
    for (PackEntry e : run) {
      if (e.offset() != end) {
        throw new IllegalArgumentException("records of a run must lie back to back");
      }
      end += e.length();
    }
    byte[] sealed = store.getRange(pack.objectName(), start, Math.toIntExact(end - start));
    List<byte[]> out = new ArrayList<>(run.size());
    try (PackCipher cipher = keys.packCipher(pack.keyId(), pack.packId(), pack.salt())) {
      for (PackEntry e : run) {
        out.add(cipher.decryptRecord(e.recordIndex(), sealed, (int) (e.offset() - start),
            e.length()));
      }
    }
    return out;
  }

  /** Deletes dead packs. The cloud's listing is the truth, so nothing needs journaling. */
  public void deletePacks(List<PackRef> packs) {
    store.delete(packs.stream().map(PackRef::objectName).toList());
  }

  /**
   * Every pack in the cloud with its entries: what a fresh appliance needs to find every tiered
   * chunk. Indexes come from the journal; only packs it has not caught up with are read (their
   * header, footer and trailer, with three ranged GETs).
   */
  public List<UploadedPack> livePacks() {
    Map<String, UploadedPack> journaled = new HashMap<>();
    for (CloudMetadata.JournalEntry je : metadata.readJournal(keys.metadataCipher(), 0)) {
      for (UploadedPack p : JournalCodec.decode(je.entry())) {
        journaled.put(p.ref().objectName(), p);
      }
    }
    List<UploadedPack> live = new ArrayList<>();
    for (ObjectStore.ObjectInfo o : store.list("packs/")) {
      UploadedPack p = journaled.get(o.name());
      live.add(p != null ? p : recover(o));
    }
    return live;
  }

  /** Rebuilds one pack's index from the pack alone. */
  private UploadedPack recover(ObjectStore.ObjectInfo o) {
    byte[] head = store.getRange(o.name(), 0, PackFormat.HEADER_LENGTH);
    PackHeader header = PackHeader.parse(head, 0, head.length);
    if (!PackFormat.objectName(header.packId()).equals(o.name())) {
      throw new PackFormatException("pack " + o.name() + " carries another pack's id");
    }
    byte[] foot = store.getRange(o.name(), o.size() - PackFormat.FOOTER_LENGTH, PackFormat.FOOTER_LENGTH);
    PackReader.Footer footer = PackReader.footer(foot, 0, foot.length);
    if (footer.trailerOffset() + footer.trailerLength() != o.size() - PackFormat.FOOTER_LENGTH) {
      throw new PackFormatException("pack " + o.name() + " trailer is not where its footer says");
    }
    byte[] trailer = store.getRange(o.name(), footer.trailerOffset(), footer.trailerLength());
    PackRef ref = new PackRef(header.packId(), header.keyId(), header.salt());
    try (PackCipher cipher = keys.packCipher(ref.keyId(), ref.packId(), ref.salt())) {
      return new UploadedPack(ref, PackReader.trailer(cipher, footer, trailer), o.size());
    }
  }

  /**
   * Reads a whole pack and rebuilds its entries from its own trailer (to verify a pack).
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
