package io.tiergate.tiering.meta;

import io.tiergate.crypto.MetadataCipher;
import io.tiergate.tiering.store.ObjectStore;
import io.tiergate.tiering.store.ObjectStoreException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Metadata objects in the cloud, beside the packs.
 *
 * <pre>
 * keys/keyring-GGGGGGGGGGGGGGGG    the serialised key ring: wrapped keys only, authenticated
 * meta/KIND-GGGGGGGGGGGGGGGG       a metadata document (e.g. the volume catalogue), encrypted
 * index/SSSSSSSSSSSSSSSS           one index-journal entry (e.g. one uploaded pack's index), encrypted
 * </pre>
 *
 * <p>Objects are immutable, so a document changes by writing its next generation (16 hex
 * digits, so that name order is numeric order) and then deleting older ones. Put-if-absent
 * makes two writers that race for one generation collide instead of overwriting each other.
 *
 * <p>Every encrypted object is bound to its own name (the name is the cipher's context), so an
 * object copied or renamed to another name, such as an old catalogue republished as a new
 * generation, fails authentication. Names say only what kind of object it is and a counter.
 */
public final class CloudMetadata {

  private static final String KEYRING_PREFIX = "keys/keyring-";
  private static final String JOURNAL_PREFIX = "index/";
  private static final Pattern KIND = Pattern.compile("[a-z][a-z0-9-]{0,31}");

  private final ObjectStore store;
  // The last generation this instance wrote or saw per prefix, so that appending costs one
  // request, not a listing and a put. A stale value only costs a collision and a retry.
  private final ConcurrentHashMap<String, AtomicLong> lastGeneration = new ConcurrentHashMap<>();

  /** Metadata kept in {@code store}. */
  public CloudMetadata(ObjectStore store) {
    this.store = store;
  }

  /**
   * Publishes a serialised key ring as the next generation and deletes every older one, so a
   * passphrase that was changed away from stops working against the cloud copy too.
   *
   * @return the generation written
   */
  public long publishKeyRing(byte[] serializedKeyRing) {
    return publishKeyRing(serializedKeyRing, older -> true);
  }

  /**
   * Publishes a serialised key ring as the next generation, then deletes the older generations
   * for which {@code replaceable} holds (an appliance passes "an older form of my own ring"), and
   * no other: a ring that is not the publisher's is never deleted, even when it was written
   * between the publisher's own check of the store and this call.
   *
   * @return the generation written
   */
  public long publishKeyRing(byte[] serializedKeyRing, Predicate<byte[]> replaceable) {
    long gen = publishNext(KEYRING_PREFIX, name -> serializedKeyRing);
    List<String> names = new ArrayList<>();
    for (long g : generations(KEYRING_PREFIX)) {
      if (g < gen) {
        String name = name(KEYRING_PREFIX, g);
        byte[] older;
        try {
          older = store.get(name);
        } catch (ObjectStoreException e) {
          if (e.code() == ObjectStoreException.Code.NOT_FOUND) {
            continue; // deleted meanwhile
          }
          throw e;
        }
        if (replaceable.test(older)) {
          names.add(name);
        }
      }
    }
    if (!names.isEmpty()) {
      store.delete(names);
    }
    return gen;
  }

  /** The newest serialised key ring, if any was published. */
  public Optional<byte[]> latestKeyRing() {
    List<Long> gens = generations(KEYRING_PREFIX);
    return gens.isEmpty()
        ? Optional.empty()
        : Optional.of(store.get(name(KEYRING_PREFIX, gens.get(gens.size() - 1))));
  }

  /**
   * Publishes a document of {@code kind} (e.g. {@code catalogue}) as its next generation,
   * encrypted; keeps the previous generation as a fallback and deletes older ones.
   *
   * @return the generation written
   */
  public long publish(MetadataCipher cipher, String kind, byte[] plain) {
    String prefix = documentPrefix(kind);
    long gen = publishNext(prefix, name -> cipher.encrypt(plain, name));
    deleteOlder(prefix, gen, 1);
    return gen;
  }

  /**
   * The newest document of {@code kind}, decrypted.
   *
   * @throws io.tiergate.crypto.CryptoException when it fails authentication: a damaged or
   *     substituted object is an error to report, never a reason to fall back silently
   */
  public Optional<byte[]> latest(MetadataCipher cipher, String kind) {
    String prefix = documentPrefix(kind);
    List<Long> gens = generations(prefix);
    if (gens.isEmpty()) {
      return Optional.empty();
    }
    String name = name(prefix, gens.get(gens.size() - 1));
    return Optional.of(cipher.decrypt(store.get(name), name));
  }

  /**
   * Appends one encrypted entry to the index journal.
   *
   * @return its sequence number
   */
  public long appendJournal(MetadataCipher cipher, byte[] entry) {
    return publishNext(JOURNAL_PREFIX, name -> cipher.encrypt(entry, name));
  }

  /** Every journal entry from sequence {@code from} on, decrypted, in order. */
  public List<JournalEntry> readJournal(MetadataCipher cipher, long from) {
    List<JournalEntry> out = new ArrayList<>();
    for (long seq : generations(JOURNAL_PREFIX)) {
      if (seq >= from) {
        String name = name(JOURNAL_PREFIX, seq);
        out.add(new JournalEntry(seq, cipher.decrypt(store.get(name), name)));
      }
    }
    return out;
  }

  /** Deletes journal entries below {@code seq}, e.g. once they are folded into a checkpoint. */
  public void truncateJournal(long seq) {
    List<String> names = new ArrayList<>();
    for (long s : generations(JOURNAL_PREFIX)) {
      if (s < seq) {
        names.add(name(JOURNAL_PREFIX, s));
      }
    }
    store.delete(names);
  }

  /** One journal entry and its sequence number. */
  public record JournalEntry(long sequence, byte[] entry) {}

  private long publishNext(String prefix, Function<String, byte[]> contentFor) {
    AtomicLong last = lastGeneration.computeIfAbsent(prefix, p -> {
      List<Long> gens = generations(p);
      return new AtomicLong(gens.isEmpty() ? 0L : gens.get(gens.size() - 1));
    });
    for (int attempt = 0; ; attempt++) {
      long gen = last.incrementAndGet();
      String name = name(prefix, gen);
      try {
        store.putIfAbsent(name, contentFor.apply(name));
        return gen;
      } catch (ObjectStoreException e) {
        if (e.code() != ObjectStoreException.Code.ALREADY_EXISTS || attempt >= 8) {
          throw e;
        }
        // Another writer took this generation: take the next.
      }
    }
  }

  private void deleteOlder(String prefix, long newest, int keep) {
    List<String> names = new ArrayList<>();
    for (long g : generations(prefix)) {
      if (g < newest - keep) {
        names.add(name(prefix, g));
      }
    }
    if (!names.isEmpty()) {
      store.delete(names);
    }
  }

  /** Generations present under {@code prefix}, ascending; foreign names are ignored. */
  private List<Long> generations(String prefix) {
    List<Long> out = new ArrayList<>();
    for (ObjectStore.ObjectInfo o : store.list(prefix)) {
      String tail = o.name().substring(prefix.length());
      if (tail.length() == 16 && tail.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
        out.add(Long.parseUnsignedLong(tail, 16));
      }
    }
    out.sort(null);
    return out;
  }

  private static String documentPrefix(String kind) {
    if (!KIND.matcher(kind).matches()) {
      throw new IllegalArgumentException("metadata kind must match " + KIND.pattern());
    }
    return "meta/" + kind + "-";
  }

  private static String name(String prefix, long gen) {
    return prefix + String.format("%016x", gen);
  }
}
