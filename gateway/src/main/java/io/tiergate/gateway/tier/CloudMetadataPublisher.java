package io.tiergate.gateway.tier;

import io.tiergate.gateway.engine.VolumeInfo;
import io.tiergate.tiering.CloudTier;
import io.tiergate.tiering.meta.CatalogueCodec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cloud metadata: attaching to a store (whose container it is) and publishing the wrapped key
 * slots and the encrypted volume catalogue there.
 *
 * <p>Owns: the catalogue last published. Before its first write to a store the tier reads the
 * store's key ring ({@link KeyRingMatch}); a ring that is not this appliance's (not even an
 * older generation of it) means the container is another appliance's: the tier does not
 * attach and writes nothing there, and says so in its state ({@code foreign-container}) and
 * log. Publishing the key ring replaces only older generations of this appliance's own.
 *
 * <p>Concurrency: attaching and publishing are idempotent, so the pass thread, a sync and an
 * admin call may race; the last catalogue is a volatile snapshot, published again when the
 * volumes differ from it. A store switch forgets it ({@link #forget}).
 */
final class CloudMetadataPublisher {
  private static final Logger log = LoggerFactory.getLogger(CloudMetadataPublisher.class);

  private final TierContext ctx;
  private volatile List<VolumeInfo> publishedCatalogue;

  CloudMetadataPublisher(TierContext ctx) {
    this.ctx = ctx;
  }

  /** A new store holds no catalogue of this appliance yet: the next pass publishes it. */
  void forget() {
    publishedCatalogue = null;
  }

  /**
   * Once per store, when it first answers: the container exists and holds the
   * current key ring. Until then a pass does nothing else (the gateway serves from local).
   *
   * @return false for another appliance's store (nothing is written there)
   */
  boolean ensureCloudReady() {
    if (ctx.cloudReady) {
      return true;
    }
    CloudStores.ensureContainer(ctx.config);
    CloudTier t = ctx.tier;
    byte[] theirs = t.metadata().latestKeyRing().orElse(null);
    if (KeyRingMatch.of(theirs, ctx.keys) == KeyRingMatch.FOREIGN) {
      refuseForeign();
      return false;
    }
    publishKeyRing(t, theirs);
    ctx.health.attached();
    ctx.cloudReady = true;
    return true;
  }

  /** The container is another appliance's: say so, once per discovery, and touch nothing. */
  private void refuseForeign() {
    boolean first = ctx.health.state() != CloudHealth.State.FOREIGN_CONTAINER;
    String why = ctx.describe() + " belongs to another appliance (it holds another key ring)";
    ctx.health.foreign(why + ": nothing is uploaded or evicted; point the cloud tier elsewhere");
    ctx.counters.lastError = ctx.health.lastError();
    if (first) {
      log.error("cloud tier NOT attached: {}. This appliance never writes to it, so that "
          + "appliance's packs, keys and catalogue stay intact. Give --cloud another container or "
          + "directory (or use Set-CloudCredential); recovering that appliance's volumes needs "
          + "its passphrase and the disaster-recovery procedure. Local volumes are served "
          + "meanwhile.", why);
    }
  }

  /**
   * Publishes this appliance's key ring when the store's newest ({@code theirs}) is not it
   * already; only older generations of this appliance's own ring are replaced.
   *
   * @throws IllegalStateException for another appliance's store (nothing is written)
   */
  private void publishKeyRing(CloudTier t, byte[] theirs) {
    if (KeyRingMatch.of(theirs, ctx.keys) == KeyRingMatch.FOREIGN) {
      refuseForeign();
      throw new IllegalStateException(ctx.foreignMessage());
    }
    byte[] mine = ctx.keys.serialize();
    if (!Arrays.equals(mine, theirs)) {
      t.metadata().publishKeyRing(mine, ctx.keys::isFormOf);
      log.info("published the wrapped key slots to the cloud");
    }
  }

  /**
   * Publishes the key ring again (after a passphrase change: the cloud copy must stop opening
   * with the old passphrase). Does nothing in a store the tier has not attached to (the next
   * attach publishes the current ring).
   *
   * @throws IllegalStateException when the store holds another appliance's ring
   */
  void republishKeyRing() {
    if (!ctx.cloudReady) {
      return;
    }
    CloudTier t = ctx.tier;
    publishKeyRing(t, t.metadata().latestKeyRing().orElse(null));
  }

  /** Publishes the encrypted volume catalogue when the volumes changed since the last time. */
  void publishCatalogueIfChanged() {
    if (!ctx.cloudReady) {
      return;
    }
    List<VolumeInfo> vols = ctx.engine.listVolumes();
    if (vols.equals(publishedCatalogue)) {
      return;
    }
    ctx.tier.metadata().publish(ctx.keys.metadataCipher(), "catalogue", catalogue(vols));
    publishedCatalogue = vols;
  }

  /** The catalogue of {@code vols}, encoded (not yet encrypted). */
  static byte[] catalogue(List<VolumeInfo> vols) {
    List<CatalogueCodec.Entry> entries = new ArrayList<>(vols.size());
    for (VolumeInfo v : vols) {
      entries.add(new CatalogueCodec.Entry(v.id(), v.name(), v.sizeBytes(), v.chunkSize(),
          v.pinned(), v.uuid(), v.createdMillis()));
    }
    return CatalogueCodec.encode(entries);
  }
}
