package io.tiergate.gateway.engine;

import io.tiergate.gateway.kv.Column;
import io.tiergate.gateway.kv.KvIterator;
import io.tiergate.gateway.kv.KvSnapshot;
import io.tiergate.gateway.kv.Keys;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Checks the engine's on-disk invariants on a consistent snapshot, like a file-system check:
 *
 * <ul>
 *   <li>every block-map entry belongs to an existing volume and lies inside it; a live entry
 *       is born no later than its volume's last snapshot epoch, and hole markers are only in
 *       clones; every delta entry belongs to an existing snapshot of its volume (none is left
 *       behind by a deleted one);
 *   <li>every chunk's refcount equals the number of block-map entries naming it: live entries
 *       and snapshot deltas;
 *   <li>snapshots: no deletion or restore left unfinished, epochs within the volume's last
 *       epoch, every clone's origin exists;
 *   <li>no orphans: every chunk record is referenced and has its bytes, and every stored chunk
 *       has a record;
 *   <li>stored chunks decode, their header agrees with the record, and (deep check) their
 *       content hashes to their ID;
 *   <li>the space counters equal the sums they stand for (stored bytes: local chunks only);
 *   <li>chunk states: a dirty chunk has local bytes and no cloud location, a clean one both, an
 *       evicted one only a cloud location, in a pack that exists and is not dead;
 *   <li>every chunk's pinned refs equal the block-map entries (live and deltas) of pinned
 *       volumes naming it, and
 *       no chunk a pinned volume references is evicted;
 *   <li>each pack's live counter equals the sealed bytes of the chunks located in it;
 *   <li>the tiering index is exactly what the chunk records imply (see {@link TierIndex}):
 *       every entry is justified by a record, with the right key and value, every record has
 *       its entries, and the dirty-bytes counter equals the stored bytes of the dirty ones.
 * </ul>
 *
 * <p>It keeps one counter per distinct chunk in memory: a tool for tests and offline checks,
 * not for a live appliance of billions of chunks.
 */
public final class EngineVerifier {
  private EngineVerifier() {}

  /** Returns the violations found (empty when consistent); at most 100 are listed. */
  public static List<String> verify(BlockEngine engine, boolean deep) {
    List<String> problems = new ArrayList<>();
    Map<ByteBuffer, long[]> refs = new HashMap<>();
    Map<Long, VolumeInfo> vols = new HashMap<>();
    Map<Long, Long> origins = new HashMap<>();
    for (VolumeInfo v : engine.listVolumes()) {
      vols.put(v.id(), v);
      origins.put(v.id(), engine.volume(v.name()).origin());
    }
    Map<Long, java.util.Set<Long>> epochs = new HashMap<>();
    java.util.Set<Long> snapshotIds = new java.util.HashSet<>();
    try (KvSnapshot snap = engine.store().snapshot()) {
      try (KvIterator it = snap.scan(Column.VOLUMES, new byte[0], null)) {
        for (; it.valid(); it.next()) {
          byte[] k = it.key();
          if (k.length != 17 || k[8] != Layout.VOLUME_SNAPSHOT) {
            continue;
          }
          Layout.SnapshotRecord r = Layout.SnapshotRecord.decode(k, it.value());
          snapshotIds.add(r.id());
          if (!vols.containsKey(r.volumeId())) {
            problem(problems, "snapshot " + r.id() + " of unknown volume " + r.volumeId());
            continue;
          }
          epochs.computeIfAbsent(r.volumeId(), x -> new java.util.HashSet<>()).add(r.epoch());
          if (r.state() != Layout.SnapshotState.ACTIVE) {
            problem(problems, "snapshot " + r.id() + " is still being deleted");
          }
          if (r.epoch() <= 0 || r.epoch() > snap.counter(
              Layout.volumeCounterKey(r.volumeId(), Layout.VOL_EPOCH))) {
            problem(problems, "snapshot " + r.id() + " has epoch " + r.epoch()
                + " beyond its volume's last epoch");
          }
        }
      }
      try (KvIterator it = snap.scanPrefix(Column.META, "r/".getBytes())) {
        for (; it.valid(); it.next()) {
          problem(problems, "restore of volume " + Keys.getLong(it.key(), 2) + " unfinished");
        }
      }
      for (Map.Entry<Long, Long> o : origins.entrySet()) {
        if (o.getValue() != 0 && !snapshotIds.contains(o.getValue())) {
          problem(problems, "clone " + vols.get(o.getKey()).name() + " has lost its origin "
              + "snapshot " + o.getValue());
        }
      }
      Map<Long, Long> mapped = new HashMap<>();
      Map<ByteBuffer, long[]> pinnedRefs = new HashMap<>();
      try (KvIterator it = snap.scan(Column.BLOCKMAP, new byte[0], null)) {
        for (; it.valid(); it.next()) {
          byte[] k = it.key();
          long vol = Layout.blockKeyVolume(k);
          VolumeInfo v = vols.get(vol);
          if (v == null) {
            problem(problems, "block map entry of unknown volume " + vol);
            continue;
          }
          long epoch = Layout.blockKeyEpoch(k);
          byte[] value = it.value();
          if (Layout.blockKeyIndex(k) >= v.chunkCount()) {
            problem(problems, "block map entry outside volume " + v.name());
          }
          boolean clone = origins.getOrDefault(vol, 0L) != 0;
          if (epoch == Layout.LIVE_EPOCH) {
            if (value.length != 32 && value.length != 40 && (value.length != 8 || !clone)) {
              problem(problems, "live entry of " + value.length + " bytes in " + v.name());
              continue;
            }
            if (Layout.birth(value) > snap.counter(
                Layout.volumeCounterKey(vol, Layout.VOL_EPOCH))) {
              problem(problems, "live entry of " + v.name() + " born after its last epoch");
            }
          } else {
            if (!epochs.getOrDefault(vol, java.util.Set.of()).contains(epoch)) {
              problem(problems, "delta entry of " + v.name() + " left by a deleted snapshot "
                  + "(epoch " + epoch + ")");
            }
            if (value.length != 0 && value.length != 32 && (value.length != 1 || !clone)) {
              problem(problems, "delta entry of " + value.length + " bytes in " + v.name());
              continue;
            }
          }
          byte[] cid = Layout.chunkId(value);
          if (cid == null) {
            continue;
          }
          refs.computeIfAbsent(ByteBuffer.wrap(cid), x -> new long[1])[0]++;
          if (v.pinned()) {
            pinnedRefs.computeIfAbsent(ByteBuffer.wrap(cid), x -> new long[1])[0]++;
          }
          if (epoch == Layout.LIVE_EPOCH) {
            mapped.merge(vol, 1L, Long::sum);
          }
        }
      }
      for (VolumeInfo v : vols.values()) {
        long counted = snap.counter(Layout.volumeCounterKey(v.id(), Layout.VOL_MAPPED));
        long actual = mapped.getOrDefault(v.id(), 0L);
        if (counted != actual) {
          problem(problems, "volume " + v.name() + " counts " + counted + " mapped chunks, has "
              + actual);
        }
      }
      long unique = 0;
      long stored = 0;
      long chunkBytes = 0;
      long chunks = 0;
      byte[] image = new byte[256 << 10];
      Map<Long, PackRecord> packs = new HashMap<>();
      try (KvIterator it = snap.scan(Column.PACKS, new byte[0], null)) {
        for (; it.valid(); it.next()) {
          packs.put(Keys.getLong(it.key(), 0), PackRecord.decode(it.value()));
        }
      }
      Map<Long, Long> packLive = new HashMap<>();
      Map<ByteBuffer, byte[]> index = new HashMap<>();
      long dirtyBytes = 0;
      try (KvIterator it = snap.scan(Column.CHUNKS, new byte[0], null)) {
        for (; it.valid(); it.next()) {
          byte[] id = it.key();
          String hex = HexFormat.of().formatHex(id, 0, 6);
          ChunkRecord rec = ChunkRecord.decode(it.value());
          for (TierIndex.Entry e : TierIndex.entries(id, rec)) {
            index.put(ByteBuffer.wrap(e.key()), e.value());
          }
          dirtyBytes += TierIndex.dirtyBytes(rec);
          long[] r = refs.remove(ByteBuffer.wrap(id));
          long actual = r == null ? 0 : r[0];
          if (rec.refcount() != actual) {
            problem(problems, "chunk " + hex + " refcount " + rec.refcount() + " but "
                + actual + " references");
          }
          long[] pr = pinnedRefs.remove(ByteBuffer.wrap(id));
          long pinnedActual = pr == null ? 0 : pr[0];
          if (rec.pinnedRefs() != pinnedActual) {
            problem(problems, "chunk " + hex + " pinned refs " + rec.pinnedRefs() + " but "
                + pinnedActual + " pinned references");
          }
          chunks++;
          unique += rec.plainLength();
          if (rec.state() < ChunkRecord.DIRTY || rec.state() > ChunkRecord.EVICTED) {
            problem(problems, "chunk " + hex + " has unknown state " + rec.state());
            continue;
          }
          if (rec.inCloud()) {
            PackRecord pack = packs.get(rec.packNumber());
            if (pack == null || pack.dead()) {
              problem(problems, "chunk " + hex + " located in " + (pack == null ? "missing"
                  : "dead") + " pack " + rec.packNumber());
            }
            if (rec.sealedLength() <= 0) {
              problem(problems, "chunk " + hex + " has an empty cloud location");
            }
            packLive.merge(rec.packNumber(), (long) rec.sealedLength(), Long::sum);
          } else if (rec.packNumber() != 0 || rec.sealedLength() != 0) {
            problem(problems, "dirty chunk " + hex + " has a cloud location");
          }
          chunkBytes += rec.storedLength();
          byte[] data = snap.get(Column.CHUNKDATA, id);
          if (!rec.local()) {
            if (data != null) {
              problem(problems, "evicted chunk " + hex + " still has local bytes");
            }
            if (rec.pinnedRefs() > 0) {
              problem(problems, "chunk " + hex + " of a pinned volume is evicted");
            }
            continue;
          }
          stored += rec.storedLength();
          if (data == null) {
            problem(problems, "chunk " + hex + " has no stored bytes");
            continue;
          }
          if (data.length != rec.storedLength()
              || ChunkCodec.plainLength(data) != rec.plainLength()
              || ChunkCodec.compression(data) != rec.compression()) {
            problem(problems, "chunk " + hex + " header disagrees with its record");
            continue;
          }
          if (deep) {
            try {
              ChunkCodec.decode(data, image, 0);
              byte[] h = engine.hasher().hash(image, 0, rec.plainLength());
              if (!Arrays.equals(h, id)) {
                problem(problems, "chunk " + hex + " content does not match its ID");
              }
              if (BlockEngine.isZero(image, 0, rec.plainLength())) {
                problem(problems, "chunk " + hex + " is all zeros but stored");
              }
            } catch (IllegalStateException e) {
              problem(problems, "chunk " + hex + " does not decode: " + e.getMessage());
            }
          }
        }
      }
      for (Map.Entry<ByteBuffer, long[]> e : refs.entrySet()) {
        problem(problems, "block map references missing chunk "
            + HexFormat.of().formatHex(e.getKey().array(), 0, 6) + " " + e.getValue()[0]
            + " time(s)");
      }
      try (KvIterator it = snap.scan(Column.CHUNKDATA, new byte[0], null)) {
        for (; it.valid(); it.next()) {
          if (snap.get(Column.CHUNKS, it.key()) == null) {
            problem(problems, "orphan stored chunk "
                + HexFormat.of().formatHex(it.key(), 0, 6));
          }
        }
      }
      for (Map.Entry<Long, PackRecord> e : packs.entrySet()) {
        long n = e.getKey();
        check(problems, "pack " + n + " live bytes",
            snap.counter(Layout.packCounterKey(n, Layout.PACK_LIVE)),
            packLive.getOrDefault(n, 0L));
      }
      try (KvIterator it = snap.scan(Column.TIERINDEX, new byte[0], null)) {
        for (; it.valid(); it.next()) {
          byte[] k = it.key();
          byte[] want = index.remove(ByteBuffer.wrap(k));
          String what = "tiering index entry '" + (char) k[0] + "' "
              + (k.length > 9 ? TierIndex.order(k) + " of chunk "
                  + HexFormat.of().formatHex(k, 9, Math.min(k.length, 15)) : "(malformed)");
          if (want == null) {
            problem(problems, what + " has no chunk record in that state");
          } else if (!Arrays.equals(want, it.value())) {
            problem(problems, what + " disagrees with the chunk record");
          }
        }
      }
      for (ByteBuffer k : index.keySet()) {
        byte[] key = k.array();
        problem(problems, "chunk " + HexFormat.of().formatHex(key, 9, 15)
            + " lacks its tiering index entry '" + (char) key[0] + "' " + TierIndex.order(key));
      }
      check(problems, "dirty bytes", snap.counter(TierIndex.DIRTY_BYTES), dirtyBytes);
      check(problems, "unique bytes", snap.counter(Layout.UNIQUE_BYTES), unique);
      check(problems, "stored bytes", snap.counter(Layout.STORED_BYTES), stored);
      check(problems, "chunk bytes", snap.counter(Layout.CHUNK_BYTES), chunkBytes);
      check(problems, "chunk count", snap.counter(Layout.CHUNK_COUNT), chunks);
      try (KvIterator it = snap.scan(Column.META, "v/".getBytes(), "v0".getBytes())) {
        for (; it.valid(); it.next()) {
          long vol = Keys.getLong(it.key(), 2);
          if (!vols.containsKey(vol)) {
            problem(problems, "counter left behind by deleted volume " + vol);
          }
        }
      }
    }
    return problems;
  }

  private static void check(List<String> problems, String what, long counted, long actual) {
    if (counted != actual) {
      problem(problems, what + ": counter " + counted + ", actual " + actual);
    }
  }

  private static void problem(List<String> problems, String p) {
    if (problems.size() < 100) {
      problems.add(p);
    }
  }
}
