package io.tiergate.crypto.bench;

import io.tiergate.crypto.KeyRing;
import java.security.GeneralSecurityException;
import java.util.concurrent.TimeUnit;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Unlocking a key ring at the production KDF cost (600,000 PBKDF2 iterations), against the raw
 * JDK PBKDF2 at the same cost: the difference is unwrapping, authentication and parsing.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 2)
@Fork(1)
public class UnlockBenchmark {
  private static final char[] PASSPHRASE = "benchmark passphrase".toCharArray();

  private byte[] serialized;
  private final byte[] salt = new byte[16];

  @Setup
  public void setUp() {
    try (KeyRing ring = KeyRing.create(PASSPHRASE)) {
      serialized = ring.serialize();
    }
  }

  @Benchmark
  public int unlock() {
    try (KeyRing ring = KeyRing.unlock(serialized, PASSPHRASE)) {
      return ring.currentDataKeyId();
    }
  }

  @Benchmark
  public byte[] rawPbkdf2() throws GeneralSecurityException {
    PBEKeySpec spec = new PBEKeySpec(PASSPHRASE, salt, 600_000, 256);
    return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
  }
}
