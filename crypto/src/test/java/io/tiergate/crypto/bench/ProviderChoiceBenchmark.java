package io.tiergate.crypto.bench;

import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Bouncy Castle's AES-GCM and HMAC-SHA-256, the alternatives to the JDK provider for the bulk work,
 * so that the report can show which provider is faster on this machine (PBKDF2 is compared in
 * {@link UnlockBenchmark}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ProviderChoiceBenchmark {
  @Param({"65536", "1048576"})
  public int size;

  private byte[] data;
  private byte[] out;
  private KeyParameter key;
  private final byte[] nonce = new byte[12];
  private long counter;
  private HMac hmac;
  private final byte[] mac = new byte[32];

  @Setup(Level.Trial)
  public void setUp() {
    SecureRandom random = new SecureRandom();
    data = new byte[size];
    random.nextBytes(data);
    out = new byte[size + 16];
    byte[] k = new byte[32];
    random.nextBytes(k);
    key = new KeyParameter(k);
    hmac = new HMac(new SHA256Digest());
    hmac.init(key);
  }

  @Benchmark
  public byte[] bcGcmEncrypt() throws InvalidCipherTextException {
    long n = ++counter;
    for (int i = 0; i < 8; i++) {
      nonce[11 - i] = (byte) (n >>> (8 * i));
    }
    GCMModeCipher gcm = GCMBlockCipher.newInstance(AESEngine.newInstance());
    gcm.init(true, new AEADParameters(key, 128, nonce));
    int len = gcm.processBytes(data, 0, size, out, 0);
    gcm.doFinal(out, len);
    return out;
  }

  @Benchmark
  public byte[] bcHmac() {
    hmac.update(data, 0, size);
    hmac.doFinal(mac, 0);
    return mac;
  }
}
