package io.tiergate.crypto;

import java.nio.ByteBuffer;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.crypto.Mac;
import javax.crypto.ShortBufferException;

/**
 * Computes {@link ChunkId}s: HMAC-SHA-256 of a chunk's plaintext under the chunk-ID key.
 *
 * <p>Keyed, so that someone holding the cloud objects cannot confirm that a known file is stored by
 * hashing it themselves.
 *
 * <p>Thread-safe. Each thread gets its own initialised {@link Mac} (the JDK's, the fastest here),
 * so the hot path has no lock, no key schedule and no allocation beyond the result. Obtain one from
 * {@link KeyRing#chunkIdHasher()}; it stops working when the key ring is closed.
 */
public final class ChunkIdHasher {
  private static final String ALGORITHM = "HmacSHA256";

  private final WipeableKey key;
  private final ThreadLocal<PerThread> perThread = ThreadLocal.withInitial(this::newPerThread);
  // Every Mac ever handed out, so that destroy() can overwrite the key-derived pads they hold.
  private final Queue<Mac> macs = new ConcurrentLinkedQueue<>();
  private volatile boolean destroyed;

  /** Takes ownership of {@code chunkIdKey}. */
  ChunkIdHasher(byte[] chunkIdKey) {
    this.key = new WipeableKey(ALGORITHM, chunkIdKey);
  }

  /**
   * A hasher under a raw 32-byte chunk-ID key (copied), for a chunk store that has no key ring:
   * tests and tools. An appliance takes its hasher from {@link KeyRing#chunkIdHasher()}.
   */
  public static ChunkIdHasher withKey(byte[] chunkIdKey) {
    if (chunkIdKey.length != 32) {
      throw new IllegalArgumentException("a chunk-ID key is 32 bytes");
    }
    return new ChunkIdHasher(chunkIdKey.clone());
  }

  /** The chunk ID of {@code len} bytes of {@code b} from {@code off}. */
  public ChunkId hash(byte[] b, int off, int len) {
    Objects.checkFromIndexSize(off, len, b.length);
    PerThread t = state();
    t.mac.update(b, off, len);
    return finish(t);
  }

  /**
   * The chunk ID of the bytes between {@code buf}'s position and limit. The buffer's position is
   * not changed.
   */
  public ChunkId hash(ByteBuffer buf) {
    PerThread t = state();
    if (buf.hasArray()) {
      t.mac.update(buf.array(), buf.arrayOffset() + buf.position(), buf.remaining());
    } else {
      // Direct buffers (Netty's pooled ones): the JDK would copy through a 4 KiB array in two
      // layers; one bulk copy per 16 KiB into a per-thread array is cheaper.
      int pos = buf.position();
      int remaining = buf.remaining();
      while (remaining > 0) {
        int n = Math.min(remaining, t.scratch.length);
        buf.get(pos, t.scratch, 0, n);
        t.mac.update(t.scratch, 0, n);
        pos += n;
        remaining -= n;
      }
    }
    return finish(t);
  }

  private PerThread state() {
    if (destroyed) {
      throw Secrets.closed();
    }
    return perThread.get();
  }

  private ChunkId finish(PerThread t) {
    try {
      t.mac.doFinal(t.out, 0);
    } catch (ShortBufferException e) {
      throw new IllegalStateException(e);
    }
    // A destroy() racing with this call may have re-keyed the Mac mid-way: never return that.
    if (destroyed) {
      throw Secrets.closed();
    }
    return ChunkId.of(t.out, 0);
  }

  private PerThread newPerThread() {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      macs.add(mac);
      return new PerThread(mac);
    } catch (NoSuchAlgorithmException e) {
      throw Secrets.providerFailure(ALGORITHM, e);
    } catch (InvalidKeyException e) {
      throw Secrets.providerFailure(ALGORITHM, e);
    }
  }

  /**
   * Zeroes the key and overwrites every thread's HMAC state with that of an all-zero key, so the
   * inner and outer pads derived from the real key do not outlive the key ring. Called by {@link
   * KeyRing#close()}.
   */
  void destroy() {
    destroyed = true;
    key.destroy();
    WipeableKey zero = new WipeableKey(ALGORITHM, new byte[Kdf.KEY_LENGTH]);
    for (Mac mac : macs) {
      try {
        mac.init(zero);
      } catch (InvalidKeyException e) {
        throw new IllegalStateException(e);
      }
    }
    macs.clear();
  }

  boolean isDestroyed() {
    return destroyed && key.isZeroed();
  }

  @Override
  public String toString() {
    return "ChunkIdHasher[HMAC-SHA-256" + (destroyed ? ", closed" : "") + "]";
  }

  private static final class PerThread {
    final Mac mac;
    final byte[] out = new byte[ChunkId.LENGTH];
    final byte[] scratch = new byte[16 * 1024];

    PerThread(Mac mac) {
      this.mac = mac;
    }
  }
}
