package io.tiergate.crypto.bench;

import io.tiergate.crypto.KeyRing;
import java.security.GeneralSecurityException;
import java.util.concurrent.TimeUnit;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.bouncycastle.crypto.PBEParametersGenerator;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.PKCS5S2ParametersGenerator;
import org.bouncycastle.crypto.params.KeyParameter;
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
 * Unlocking a key ring at the production KDF cost (600,000 PBKDF2 iterations), against the raw JDK
 * PBKDF2 at the same cost: the difference is unwrapping, authentication and parsing.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 3)
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

  /** The alternative provider for the KDF, to confirm the JDK's is the faster one here. */
  @Benchmark
  public byte[] bcPbkdf2() {
    PKCS5S2ParametersGenerator gen = new PKCS5S2ParametersGenerator(new SHA256Digest());
    gen.init(PBEParametersGenerator.PKCS5PasswordToUTF8Bytes(PASSPHRASE), salt, 600_000);
    return ((KeyParameter) gen.generateDerivedParameters(256)).getKey();
  }

  @Benchmark
  public byte[] rawPbkdf2() throws GeneralSecurityException {
    PBEKeySpec spec = new PBEKeySpec(PASSPHRASE, salt, 600_000, 256);
    return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
  }
}
