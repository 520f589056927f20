package io.tiergate.crypto.bench;

import io.tiergate.crypto.ChunkId;
import io.tiergate.crypto.ChunkIdHasher;
import io.tiergate.crypto.KdfParams;
import io.tiergate.crypto.KeyRing;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Chunk-ID hashing against a raw JDK HMAC-SHA-256 {@link Mac} that is initialised once and reused,
 * the fastest way to use the JCA primitive.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class ChunkIdBenchmark {
  @Param({"65536", "1048576"})
  public int size;

  private KeyRing ring;
  private ChunkIdHasher hasher;
  private byte[] data;
  private ByteBuffer direct;
  private Mac raw;

  @Setup(Level.Trial)
  public void setUp() throws GeneralSecurityException {
    SecureRandom random = new SecureRandom();
    data = new byte[size];
    random.nextBytes(data);
    direct = ByteBuffer.allocateDirect(size).put(data).flip();
    ring = KeyRing.create("benchmark passphrase".toCharArray(), KdfParams.insecureForTests(1000));
    hasher = ring.chunkIdHasher();
    byte[] key = new byte[32];
    random.nextBytes(key);
    raw = Mac.getInstance("HmacSHA256");
    raw.init(new SecretKeySpec(key, "HmacSHA256"));
    Prewarm.hmac(hasher);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    ring.close();
  }

  @Benchmark
  public byte[] rawHmac() {
    raw.update(data, 0, size);
    return raw.doFinal();
  }

  @Benchmark
  public ChunkId chunkId() {
    return hasher.hash(data, 0, size);
  }

  @Benchmark
  public ChunkId chunkIdDirectBuffer() {
    return hasher.hash(direct);
  }
}
