package io.tiergate.gateway.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tiergate.gateway.engine.BlockEngine;
import io.tiergate.gateway.engine.EngineConfig;
import io.tiergate.crypto.ChunkId;
import io.tiergate.crypto.ChunkIdHasher;
import io.tiergate.gateway.engine.Volume;
import io.tiergate.gateway.engine.VolumeSpec;
import io.tiergate.gateway.kv.Column;
import io.tiergate.gateway.kv.KvBatch;
import io.tiergate.gateway.kv.KvConfig;
import io.tiergate.gateway.kv.KvStore;
import io.tiergate.gateway.kv.Keys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The chunk write path, one 64 KiB chunk per operation on one thread: the engine's write of
 * unique random data (hash, LZ4 attempt, one batch with chunk, record, mapping and counters),
 * of unique compressible data, and of data already stored (dedup: a mapping and refcount
 * change only), beside its parts and peers measured in the same run: HMAC-SHA-256 of 64 KiB,
 * LZ4 of 64 KiB of text, and a bare RocksDB batch with one 64 KiB put into the same blob-file
 * column family. Writes cycle over a 1 GiB volume, so overwrites release chunks as they would
 * in use.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ChunkWritePathBenchmark {
  static final int CHUNK = 64 << 10;
  private static final long VOLUME_BYTES = 1L << 30;

  private Path dir;
  private BlockEngine engine;
  private Volume volume;
  private KvStore rawStore;
  private Path rawDir;
  private ChunkIdHasher hasher;
  private final LZ4Compressor lz4 = LZ4Factory.fastestInstance().fastCompressor();
  private final byte[] lz4Out = new byte[LZ4Factory.fastestInstance().fastCompressor()
      .maxCompressedLength(CHUNK)];
  private byte[] random;
  private byte[] text;
  private byte[] dupA;
  private byte[] dupB;
  private long counter;
  private long lba;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    Path base = Path.of(System.getProperty("bench.dir", "target/jmh-data"));
    Files.createDirectories(base);
    dir = Files.createTempDirectory(base, "engine");
    rawDir = Files.createTempDirectory(base, "raw");
    engine = BlockEngine.openWithLocalKey(dir, EngineConfig.defaults());
    volume = engine.createVolume(VolumeSpec.of("bench", VOLUME_BYTES));
    rawStore = KvStore.open(rawDir, KvConfig.defaults());
    byte[] key = new byte[32];
    new Random(1).nextBytes(key);
    hasher = ChunkIdHasher.withKey(key);
    random = new byte[CHUNK];
    new Random(2).nextBytes(random);
    text = new byte[CHUNK];
    byte[] words = "storage gateway chunk block volume refcount snapshot tier cloud "
        .getBytes();
    Random r = new Random(3);
    for (int i = 0; i < CHUNK; i++) {
      text[i] = words[(i + (r.nextInt(16) == 0 ? r.nextInt(words.length) : 0)) % words.length];
    }
    dupA = random.clone();
    dupA[0] ^= 1;
    dupB = random.clone();
    dupB[0] ^= 2;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    engine.close();
    rawStore.close();
    for (Path p : new Path[] {dir, rawDir}) {
      try (Stream<Path> s = Files.walk(p)) {
        s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  private long nextLba() {
    lba = (lba + CHUNK / 512) % (VOLUME_BYTES / 512);
    return lba;
  }

  /** Makes each chunk unique while keeping its compressibility. */
  private byte[] stamp(byte[] b) {
    Keys.putLong(b, 0, ++counter);
    return b;
  }

  @Benchmark
  public void engineWriteUniqueRandom() {
    volume.write(nextLba(), Unpooled.wrappedBuffer(stamp(random)), false);
  }

  @Benchmark
  public void engineWriteUniqueCompressible() {
    volume.write(nextLba(), Unpooled.wrappedBuffer(stamp(text)), false);
  }

  @Benchmark
  public void engineWriteDuplicate() {
    ByteBuf b = Unpooled.wrappedBuffer((counter++ & 1) == 0 ? dupA : dupB);
    volume.write(nextLba(), b, false);
  }

  @Benchmark
  public ChunkId hmacSha256() {
    return hasher.hash(random, 0, CHUNK);
  }

  @Benchmark
  public int lz4Compressible() {
    return lz4.compress(text, 0, CHUNK, lz4Out, 0, lz4Out.length);
  }

  @Benchmark
  public void rocksDbPut64KiB() {
    byte[] k = new byte[32];
    Keys.putLong(k, 0, ++counter);
    try (KvBatch b = rawStore.newBatch()) {
      b.put(Column.CHUNKDATA, k, stamp(random));
      rawStore.write(b, false);
    }
    if ((counter & 16383) == 0) {
      // Keep the peer's data set bounded like the engine's (1 GiB).
      try (KvBatch b = rawStore.newBatch()) {
        for (long i = counter - 16383; i <= counter; i++) {
          byte[] old = new byte[32];
          Keys.putLong(old, 0, i);
          b.delete(Column.CHUNKDATA, old);
        }
        rawStore.write(b, false);
      }
    }
  }
}
