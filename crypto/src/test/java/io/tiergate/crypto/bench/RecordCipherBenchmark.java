package io.tiergate.crypto.bench;

import io.tiergate.crypto.KdfParams;
import io.tiergate.crypto.KeyRing;
import io.tiergate.crypto.PackCipher;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
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
 * Pack record sealing and opening against the raw JDK AES-256-GCM doing one message per call with a
 * fresh nonce, the least any correct GCM user does. Both sides allocate their output the same way.
 * The JDK's GCM only reaches full speed once C2 has compiled its intrinsics; {@link Prewarm} gets
 * it there before JMH's own warm-up starts.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 6, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class RecordCipherBenchmark {
  @Param({"65536", "1048576"})
  public int size;

  private KeyRing ring;
  private PackCipher writer;
  private PackCipher reader;
  private byte[] plain;
  private byte[] sealed;
  private long nextIndex;
  private ByteBuffer plainBuffer;
  private ByteBuffer outBuffer;

  private Cipher raw;
  private SecretKeySpec rawKey;
  private final byte[] rawNonce = new byte[12];
  private long rawCounter;
  private byte[] rawSealed;

  @Setup(Level.Trial)
  public void setUp() throws GeneralSecurityException {
    SecureRandom random = new SecureRandom();
    plain = new byte[size];
    random.nextBytes(plain);
    ring = KeyRing.create("benchmark passphrase".toCharArray(), KdfParams.insecureForTests(1000));
    writer = ring.newPackCipher(new byte[16]);
    reader = ring.packCipher(writer.keyId(), writer.packId(), writer.packSalt());
    sealed = writer.encryptRecord(0, plain, 0, size);
    nextIndex = 1;
    plainBuffer = ByteBuffer.wrap(plain);
    outBuffer = ByteBuffer.allocate(PackCipher.sealedLength(size));

    byte[] key = new byte[32];
    random.nextBytes(key);
    rawKey = new SecretKeySpec(key, "AES");
    raw = Cipher.getInstance("AES/GCM/NoPadding");
    raw.init(Cipher.ENCRYPT_MODE, rawKey, new GCMParameterSpec(128, rawNonce));
    rawSealed = raw.doFinal(plain);
    rawCounter = 1;
    Prewarm.gcm(ring);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    ring.close();
  }

  @Benchmark
  public byte[] rawGcmEncrypt() throws GeneralSecurityException {
    long n = rawCounter++;
    for (int i = 0; i < 8; i++) {
      rawNonce[11 - i] = (byte) (n >>> (8 * i));
    }
    raw.init(Cipher.ENCRYPT_MODE, rawKey, new GCMParameterSpec(128, rawNonce));
    return raw.doFinal(plain, 0, size);
  }

  @Benchmark
  public byte[] rawGcmDecrypt() throws GeneralSecurityException {
    raw.init(Cipher.DECRYPT_MODE, rawKey, new GCMParameterSpec(128, new byte[12]));
    return raw.doFinal(rawSealed, 0, rawSealed.length);
  }

  @Benchmark
  public byte[] recordEncrypt() {
    return writer.encryptRecord(nextIndex++, plain, 0, size);
  }

  @Benchmark
  public byte[] recordDecrypt() {
    return reader.decryptRecord(0, sealed, 0, sealed.length);
  }

  @Benchmark
  public int recordEncryptIntoBuffer() {
    plainBuffer.clear();
    outBuffer.clear();
    return writer.encryptRecord(nextIndex++, plainBuffer, outBuffer);
  }
}
