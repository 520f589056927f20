package io.tiergate.tiering;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tiergate.crypto.CryptoException;
import io.tiergate.crypto.KdfParams;
import io.tiergate.crypto.KeyRing;
import io.tiergate.tiering.pack.PackEntry;
import io.tiergate.tiering.store.BandwidthLimiter;
import io.tiergate.tiering.store.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** What the cloud tier guarantees, whatever the object store; one subclass per store. */
abstract class CloudTierContract {

  static final char[] PASS = "a long enough passphrase".toCharArray();

  /** The store under test, empty. */
  abstract ObjectStore store();

  /** The folder where the store's bytes end up on disk (for the confidentiality scan). */
  abstract Path storageFolder();

  static KeyRing newRing() {
    return KeyRing.create(PASS.clone(), KdfParams.insecureForTests(1000));
  }

  static List<CloudTier.Record> records(KeyRing ring, int n, long seed, String marker) {
    Random r = new Random(seed);
    List<CloudTier.Record> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] b = new byte[65_536];
      r.nextBytes(b);
      byte[] m = (marker + i).getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(m, 0, b, 100, m.length);
      out.add(new CloudTier.Record(ring.chunkIdHasher().hash(b, 0, b.length), b));
    }
    return out;
  }

  @Test
  void uploadedRecordsReadBackOneByOne() throws Exception {
    try (KeyRing ring = newRing()) {
      CloudTier tier = new CloudTier(store(), ring, new BandwidthLimiter(0), 1);
      List<CloudTier.Record> recs = records(ring, 20, 1, "m");
      UploadedPack pack = tier.uploadPack(recs);
      assertEquals(20, pack.entries().size());
      for (PackEntry e : pack.entries()) {
        assertArrayEquals(recs.get(e.recordIndex()).bytes(), tier.fetch(pack.ref(), e));
        assertEquals(recs.get(e.recordIndex()).chunkId(), e.chunkId());
      }
      assertEquals(pack.entries(), tier.readPackIndex(pack.ref()));
    }
  }

  @Test
  void aFreshApplianceWithThePassphraseFindsEveryLivePackFromTheJournal() throws Exception {
    List<CloudTier.Record> recs;
    UploadedPack kept;
    try (KeyRing ring = newRing()) {
      CloudTier tier = new CloudTier(store(), ring, new BandwidthLimiter(0), 1);
      tier.metadata().publishKeyRing(ring.serialize());
      recs = records(ring, 5, 2, "j");
      kept = tier.uploadPack(recs);
      UploadedPack dead = tier.uploadPack(records(ring, 3, 3, "d"));
      tier.deletePacks(List.of(dead.ref()));
    }
    byte[] cloudRing = new CloudTier(store(), null, null, 1).metadata().latestKeyRing().orElseThrow();
    try (KeyRing fresh = KeyRing.unlock(cloudRing, PASS.clone())) {
      CloudTier tier = new CloudTier(store(), fresh, new BandwidthLimiter(0), 1);
      List<UploadedPack> live = tier.livePacks();
      assertEquals(1, live.size());
      assertEquals(kept.ref(), live.get(0).ref());
      for (PackEntry e : live.get(0).entries()) {
        assertArrayEquals(recs.get(e.recordIndex()).bytes(), tier.fetch(live.get(0).ref(), e));
      }
      assertEquals(1, store().list("packs/").size());
    }
  }

  @Test
  void packsTheJournalHasNotCaughtUpWithAreFoundFromTheirOwnTrailers() throws Exception {
    try (KeyRing ring = newRing()) {
      CloudTier tier = new CloudTier(store(), ring, new BandwidthLimiter(0), 4);
      List<UploadedPack> uploaded = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        uploaded.add(tier.uploadPack(records(ring, 2 + i, 20 + i, "u")));
      }
      assertEquals(0, tier.metadata().readJournal(ring.metadataCipher(), 0).size());
      CloudTier fresh = new CloudTier(store(), ring, new BandwidthLimiter(0), 4);
      assertEquals(
          uploaded.stream().map(UploadedPack::ref).collect(java.util.stream.Collectors.toSet()),
          fresh.livePacks().stream().map(UploadedPack::ref).collect(java.util.stream.Collectors.toSet()));
      for (UploadedPack p : fresh.livePacks()) {
        UploadedPack original = uploaded.stream().filter(u -> u.ref().equals(p.ref())).findFirst().orElseThrow();
        assertEquals(original, p);
      }
      tier.flushJournal();
      assertEquals(1, tier.metadata().readJournal(ring.metadataCipher(), 0).size());
      tier.uploadPack(records(ring, 1, 30, "v"));
      assertEquals(4, fresh.livePacks().size());
    }
  }

  @Test
  void aStoredByteFlippedIsAnAuthenticationFailureNeverWrongData() throws Exception {
    try (KeyRing ring = newRing()) {
      CloudTier tier = new CloudTier(store(), ring, new BandwidthLimiter(0), 1);
      UploadedPack pack = tier.uploadPack(records(ring, 3, 4, "f"));
      PackEntry e = pack.entries().get(1);
      byte[] object = store().get(pack.ref().objectName());
      object[(int) e.offset() + 500] ^= 0x40;
      store().delete(List.of(pack.ref().objectName()));
      store().putIfAbsent(pack.ref().objectName(), object);
      CryptoException ex = assertThrows(CryptoException.class, () -> tier.fetch(pack.ref(), e));
      assertEquals(CryptoException.Code.AUTHENTICATION_FAILED, ex.code());
      tier.fetch(pack.ref(), pack.entries().get(0)); // the others still read
    }
  }

  @Test
  void noMarkerChunkIdOrPassphraseEverReachesTheStore() throws Exception {
    String marker = "TIERGATE-MARKER-7f3a";
    List<String> needles = new ArrayList<>();
    try (KeyRing ring = newRing()) {
      CloudTier tier = new CloudTier(store(), ring, new BandwidthLimiter(0), 1);
      tier.metadata().publishKeyRing(ring.serialize());
      tier.metadata().publish(ring.metadataCipher(), "catalogue",
          "volume finance-volume".getBytes(StandardCharsets.UTF_8));
      List<CloudTier.Record> recs = records(ring, 10, 5, marker);
      tier.uploadPack(recs);
      needles.add(marker);
      needles.add("finance-volume");
      needles.add(new String(PASS));
      for (CloudTier.Record r : recs) {
        needles.add(r.chunkId().toHex().substring(0, 24));
      }
    }
    for (ObjectStore.ObjectInfo o : store().list("")) {
      for (String n : needles) {
        assertFalse(o.name().contains(n), o.name());
      }
    }
    try (Stream<Path> files = Files.walk(storageFolder())) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (!Files.isRegularFile(p)) {
          continue;
        }
        byte[] content = Files.readAllBytes(p);
        String latin = new String(content, StandardCharsets.ISO_8859_1);
        String hex = HexFormat.of().formatHex(content);
        for (String n : needles) {
          assertFalse(latin.contains(n), n + " in " + p);
          if (n.matches("[0-9a-f]+")) {
            assertFalse(hex.contains(n), "raw chunk id in " + p);
          }
        }
      }
    }
  }

  @Test
  void aRunOfConsecutiveRecordsComesBackWithOneRangedRead() throws Exception {
    try (KeyRing ring = newRing()) {
      CloudTier tier = new CloudTier(store(), ring, new BandwidthLimiter(0), 1);
      List<CloudTier.Record> recs = records(ring, 12, 21, "run");
      UploadedPack pack = tier.uploadPack(recs);
      List<PackEntry> run = pack.entries().subList(3, 9);
      List<byte[]> got = tier.fetchRun(pack.ref(), run);
      assertEquals(6, got.size());
      for (int i = 0; i < run.size(); i++) {
        assertArrayEquals(recs.get(3 + i).bytes(), got.get(i));
      }
      assertThrows(IllegalArgumentException.class, () -> tier.fetchRun(pack.ref(),
          List.of(pack.entries().get(1), pack.entries().get(3))));
      // Records swapped within the run: each is opened under its own index, so both fail.
      assertThrows(CryptoException.class, () -> tier.fetchRun(pack.ref(), List.of(
          new PackEntry(run.get(1).chunkId(), run.get(1).recordIndex(), run.get(0).offset(),
              run.get(1).length()),
          new PackEntry(run.get(0).chunkId(), run.get(0).recordIndex(),
              run.get(0).offset() + run.get(1).length(), run.get(0).length()))));
    }
  }
}
