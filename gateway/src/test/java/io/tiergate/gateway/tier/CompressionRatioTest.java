package io.tiergate.gateway.tier;

import static io.tiergate.gateway.engine.EngineData.random;
import static io.tiergate.gateway.engine.EngineData.read;
import static io.tiergate.gateway.tier.TierFixture.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.gateway.engine.EngineConfig;
import io.tiergate.gateway.engine.SpaceUsage;
import io.tiergate.gateway.engine.Volume;
import io.tiergate.gateway.engine.VolumeSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compression ratio is unique bytes over the stored bytes of every distinct chunk, local
 * or in the cloud: random data stays at about 1.0 through sync, eviction and cold reads of
 * part and all of it (it read 1.52 and 4.53 when evicted chunks did not count), and
 * compressible data keeps one ratio whatever is evicted. Also across a restart.
 */
class CompressionRatioTest {
  private static final int MIB = 1 << 20;

  @TempDir
  Path dir;

  private static void assertAboutOne(SpaceUsage u, String when) {
    double r = u.compressionRatio();
    assertTrue(r > 0.99 && r <= 1.0, when + ": compression ratio " + r + " of " + u);
  }

  @Test
  void randomDataStaysAtOneThroughEvictionAndColdReads() throws Exception {
    CloudConfig cloud = CloudConfig.defaults().with("cloud", "file:" + dir.resolve("cloud"));
    try (TierFixture f = new TierFixture(dir.resolve("gw"), cloud, EngineConfig.small())) {
      Volume v = f.engine.createVolume(VolumeSpec.of("vol", 64L * MIB));
      byte[] data = random(8 * MIB, 41);
      write(v, 0, data);
      assertAboutOne(f.engine.usage(), "written");
      f.tier.sync();
      assertAboutOne(f.engine.usage(), "synced");
      f.tier.evictAll();
      assertEquals(0, f.engine.usage().storedBytes());
      assertAboutOne(f.engine.usage(), "all evicted");
      // A cold read of one eighth brings that part home: the ratio must not follow it.
      assertArrayEquals(java.util.Arrays.copyOf(data, MIB), read(v, 0, MIB / 512));
      assertTrue(f.engine.usage().storedBytes() > 0);
      assertAboutOne(f.engine.usage(), "one eighth read back");
      assertArrayEquals(data, read(v, 0, data.length / 512));
      assertAboutOne(f.engine.usage(), "all read back");
      assertAboutOne(f.engine.usage("vol"), "the volume's own figures");
      f.restart();
      f.tier.evictAll();
      assertAboutOne(f.engine.usage(), "after a restart, evicted");
      assertEquals(List.of(), f.problems());
    }
  }

  @Test
  void compressibleDataKeepsOneRatioWhateverIsEvicted() throws Exception {
    CloudConfig cloud = CloudConfig.defaults().with("cloud", "file:" + dir.resolve("cloud"));
    try (TierFixture f = new TierFixture(dir.resolve("gw"), cloud, EngineConfig.small())) {
      Volume v = f.engine.createVolume(VolumeSpec.of("vol", 64L * MIB));
      byte[] text = new byte[4 * MIB];
      byte[] line = "a line of log text that repeats, 0123456789\n".getBytes(
          StandardCharsets.US_ASCII);
      for (int i = 0; i < text.length; i++) {
        text[i] = line[i % line.length];
      }
      text[0] = 1; // not every chunk the same: dedup must not hide the compression
      for (int c = 0; c < text.length / (64 * 1024); c++) {
        text[c * 64 * 1024 + 7] = (byte) c;
      }
      write(v, 0, text);
      f.tier.sync();
      double before = f.engine.usage().compressionRatio();
      assertTrue(before > 3, "compressible: " + before);
      f.tier.evictAll();
      assertEquals(before, f.engine.usage().compressionRatio(), 1e-9, "evicted");
      read(v, 0, MIB / 512);
      assertEquals(before, f.engine.usage().compressionRatio(), 1e-9, "partly read back");
      assertEquals(List.of(), f.problems());
    }
  }
}
