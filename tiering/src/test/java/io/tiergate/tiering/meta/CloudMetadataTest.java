package io.tiergate.tiering.meta;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.crypto.CryptoException;
import io.tiergate.crypto.KdfParams;
import io.tiergate.crypto.KeyRing;
import io.tiergate.tiering.store.LocalDirectoryObjectStore;
import io.tiergate.tiering.store.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CloudMetadataTest {

  private static final char[] PASS = "an ample passphrase".toCharArray();
  private static final char[] NEW_PASS = "another ample passphrase".toCharArray();

  @TempDir Path dir;
  private ObjectStore store;
  private KeyRing ring;
  private CloudMetadata meta;

  @BeforeEach
  void open() {
    store = new LocalDirectoryObjectStore(dir);
    ring = KeyRing.create(PASS.clone(), KdfParams.insecureForTests(1000));
    meta = new CloudMetadata(store);
  }

  @AfterEach
  void close() {
    ring.close();
    store.close();
  }

  @Test
  void aFreshApplianceUnlocksTheCloudKeyRingWithThePassphraseAndReadsTheCatalogue() {
    meta.publishKeyRing(ring.serialize());
    byte[] catalogue = "volume vol1 10GiB".getBytes(StandardCharsets.UTF_8);
    meta.publish(ring.metadataCipher(), "catalogue", catalogue);

    byte[] fromCloud = new CloudMetadata(store).latestKeyRing().orElseThrow();
    try (KeyRing fresh = KeyRing.unlock(fromCloud, PASS.clone())) {
      assertArrayEquals(catalogue, meta.latest(fresh.metadataCipher(), "catalogue").orElseThrow());
    }
  }

  @Test
  void publishingDeletesOnlyOlderGenerationsThatAreOurs() {
    try (KeyRing other = KeyRing.create(PASS.clone(), KdfParams.insecureForTests(1000))) {
      byte[] theirs = other.serialize();
      meta.publishKeyRing(theirs); // another appliance's, written as generation 1
      byte[] oldOurs = ring.serialize();
      new CloudMetadata(store).publishKeyRing(oldOurs, ring::isFormOf);
      ring.changePassphrase(PASS.clone(), NEW_PASS.clone());
      new CloudMetadata(store).publishKeyRing(ring.serialize(), ring::isFormOf);
      List<String> names = store.list("keys/").stream().map(ObjectStore.ObjectInfo::name)
          .toList();
      assertEquals(2, names.size(), names.toString());
      assertArrayEquals(theirs, store.get(names.get(0)), "the other ring is never deleted");
      assertArrayEquals(ring.serialize(), store.get(names.get(1)));
    }
  }

  @Test
  void aPassphraseChangeLeavesOnlyTheNewSlotsInTheCloud() {
    meta.publishKeyRing(ring.serialize());
    ring.changePassphrase(PASS.clone(), NEW_PASS.clone());
    meta.publishKeyRing(ring.serialize());
    assertEquals(1, store.list("keys/").size());
    byte[] fromCloud = meta.latestKeyRing().orElseThrow();
    assertEquals(
        CryptoException.Code.WRONG_PASSPHRASE,
        assertThrows(CryptoException.class, () -> KeyRing.unlock(fromCloud, PASS.clone())).code());
    KeyRing.unlock(fromCloud, NEW_PASS.clone()).close();
  }

  @Test
  void newestGenerationWinsAndOneFallbackIsKept() {
    for (int i = 1; i <= 5; i++) {
      meta.publish(ring.metadataCipher(), "catalogue", new byte[] {(byte) i});
    }
    assertArrayEquals(new byte[] {5}, meta.latest(ring.metadataCipher(), "catalogue").orElseThrow());
    assertEquals(2, store.list("meta/").size());
  }

  @Test
  void anOldDocumentRepublishedUnderANewerNameFailsAuthentication() {
    meta.publish(ring.metadataCipher(), "catalogue", new byte[] {1});
    byte[] old = store.get("meta/catalogue-0000000000000001");
    store.putIfAbsent("meta/catalogue-0000000000000009", old);
    assertEquals(
        CryptoException.Code.AUTHENTICATION_FAILED,
        assertThrows(CryptoException.class, () -> meta.latest(ring.metadataCipher(), "catalogue")).code());
  }

  @Test
  void journalKeepsOrderAndCanBeTruncated() {
    for (int i = 0; i < 5; i++) {
      meta.appendJournal(ring.metadataCipher(), new byte[] {(byte) i});
    }
    List<CloudMetadata.JournalEntry> all = meta.readJournal(ring.metadataCipher(), 0);
    assertEquals(5, all.size());
    for (int i = 0; i < 5; i++) {
      assertArrayEquals(new byte[] {(byte) i}, all.get(i).entry());
    }
    meta.truncateJournal(all.get(3).sequence());
    assertEquals(2, meta.readJournal(ring.metadataCipher(), 0).size());
  }

  @Test
  void nothingInTheStoreRevealsTheCatalogueText() throws Exception {
    meta.publishKeyRing(ring.serialize());
    meta.publish(ring.metadataCipher(), "catalogue", "secret-volume-name".getBytes(StandardCharsets.UTF_8));
    meta.appendJournal(ring.metadataCipher(), "secret-volume-name".getBytes(StandardCharsets.UTF_8));
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        assertFalse(p.toString().contains("secret"));
        if (Files.isRegularFile(p)) {
          String content = new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1);
          assertFalse(content.contains("secret-volume-name"), p.toString());
        }
      }
    }
    assertTrue(store.list("").size() >= 3);
  }

  @Test
  void kindsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> meta.publish(ring.metadataCipher(), "../x", new byte[1]));
  }
}
