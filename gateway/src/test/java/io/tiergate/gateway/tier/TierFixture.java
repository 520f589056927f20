package io.tiergate.gateway.tier;

import io.netty.buffer.Unpooled;
import io.tiergate.crypto.ChunkIdHasher;
import io.tiergate.crypto.KdfParams;
import io.tiergate.crypto.KeyRing;
import io.tiergate.gateway.engine.BlockEngine;
import io.tiergate.gateway.engine.ChunkHasher;
import io.tiergate.gateway.engine.EngineConfig;
import io.tiergate.gateway.engine.EngineVerifier;
import io.tiergate.gateway.engine.Volume;
import java.nio.file.Path;
import java.util.List;

/** An engine, a key ring and a cloud tier service in a temporary directory, reopenable. */
final class TierFixture implements AutoCloseable {
  static final char[] PASSPHRASE = "correct horse battery staple 42".toCharArray();

  final Path dir;
  CloudConfig config;
  final byte[] keyRing;
  final EngineConfig engineConfig;
  KeyRing keys;
  BlockEngine engine;
  CloudTierService tier;

  TierFixture(Path dir, CloudConfig config, EngineConfig engineConfig) {
    this.dir = dir;
    this.config = config;
    this.engineConfig = engineConfig;
    try (KeyRing k = KeyRing.create(PASSPHRASE, KdfParams.insecureForTests(1000))) {
      keyRing = k.serialize();
    }
    open();
  }

  void open() {
    keys = KeyRing.unlock(keyRing, PASSPHRASE);
    ChunkIdHasher ids = keys.chunkIdHasher();
    engine = BlockEngine.open(dir.resolve("db"), engineConfig,
        ChunkHasher.of(ids));
    tier = CloudTierService.start(engine, keys, config, dir, false);
  }

  /** Closes and opens everything again on another cloud store, as a restart with new flags. */
  void restart(CloudConfig other) {
    close();
    config = other;
    open();
  }

  /** Closes and opens everything again, as a gateway restart does. */
  void restart() {
    close();
    open();
  }

  @Override
  public void close() {
    if (tier != null) {
      tier.close();
      tier = null;
    }
    if (engine != null) {
      engine.close();
      engine = null;
    }
    if (keys != null) {
      keys.close();
      keys = null;
    }
  }

  /**
   * A second tier context on the same engine and store, for testing one part of the tier on
   * its own (the service's own parts keep running beside it).
   */
  TierContext context() {
    return new TierContext(engine, keys, config, dir,
        CloudStores.open(config, dir, java.time.Duration.ofSeconds(60), List.of()));
  }

  List<String> problems() {
    return EngineVerifier.verify(engine, true);
  }

  static void write(Volume v, long lba, byte[] data) {
    v.write(lba, Unpooled.wrappedBuffer(data), false);
  }
}
