package io.tiergate.crypto;

import static io.tiergate.crypto.TestKeys.pattern;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class ChunkIdTest {
  private static final byte[] KEY = pattern(32, 42);

  private static byte[] referenceHmac(byte[] data) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
    return mac.doFinal(data);
  }

  @Test
  void bytesAndHexRoundTrip() {
    byte[] b = pattern(32, 7);
    ChunkId id = ChunkId.of(b);
    assertArrayEquals(b, id.toBytes());
    assertEquals(64, id.toHex().length());
    assertEquals(id, ChunkId.fromHex(id.toHex()));
    assertEquals(id.toHex(), id.toString());
    byte[] framed = new byte[40];
    id.writeTo(framed, 5);
    assertEquals(id, ChunkId.of(framed, 5));
    b[0] ^= 1; // the value is a copy
    assertNotEquals(ChunkId.of(b), id);
  }

  @Test
  void rejectsWrongLengths() {
    assertThrows(IllegalArgumentException.class, () -> ChunkId.of(new byte[31]));
    assertThrows(IllegalArgumentException.class, () -> ChunkId.fromHex("abcd"));
    assertThrows(IndexOutOfBoundsException.class, () -> ChunkId.of(new byte[40], 9));
  }

  @Test
  void equalityAndHashFollowTheBytes() {
    byte[] b = pattern(32, 1);
    assertEquals(ChunkId.of(b), ChunkId.of(b.clone()));
    assertEquals(ChunkId.of(b).hashCode(), ChunkId.of(b.clone()).hashCode());
    for (int i = 0; i < 32; i++) {
      byte[] c = b.clone();
      c[i] ^= (byte) 0x80;
      assertNotEquals(ChunkId.of(b), ChunkId.of(c), "byte " + i);
    }
  }

  @Test
  void orderIsUnsignedLexicographicLikeRocksDb() {
    List<byte[]> raw = new ArrayList<>();
    for (int v : new int[] {0x00, 0x01, 0x7f, 0x80, 0xff}) {
      for (int pos : new int[] {0, 7, 8, 31}) {
        byte[] b = new byte[32];
        b[pos] = (byte) v;
        raw.add(b);
      }
    }
    TreeSet<ChunkId> sorted = new TreeSet<>();
    raw.forEach(b -> sorted.add(ChunkId.of(b)));
    raw.sort(Arrays::compareUnsigned);
    List<ChunkId> expected = new ArrayList<>();
    raw.forEach(
        b -> {
          ChunkId id = ChunkId.of(b);
          if (!expected.contains(id)) {
            expected.add(id);
          }
        });
    assertEquals(expected, new ArrayList<>(sorted));
  }

  @Test
  void hasherIsHmacSha256OfThePlaintext() throws Exception {
    ChunkIdHasher h = new ChunkIdHasher(KEY.clone());
    for (int size : new int[] {0, 1, 63, 64, 65, 65536}) {
      byte[] data = pattern(size, size);
      assertArrayEquals(referenceHmac(data), h.hash(data, 0, size).toBytes(), "size " + size);
    }
  }

  @Test
  void aHasherUnderARawKeyIsTheSameFunctionAndCopiesTheKey() throws Exception {
    byte[] key = KEY.clone();
    ChunkIdHasher h = ChunkIdHasher.withKey(key);
    Arrays.fill(key, (byte) 0);
    byte[] data = pattern(4096, 7);
    assertArrayEquals(referenceHmac(data), h.hash(data, 0, data.length).toBytes());
    assertThrows(IllegalArgumentException.class, () -> ChunkIdHasher.withKey(new byte[31]));
  }

  @Test
  void bufferFormsAgreeAndLeaveThePositionAlone() throws Exception {
    ChunkIdHasher h = new ChunkIdHasher(KEY.clone());
    byte[] data = pattern(4096, 3);
    ChunkId expected = ChunkId.of(referenceHmac(Arrays.copyOfRange(data, 100, 4000)));
    assertEquals(expected, h.hash(data, 100, 3900));

    ByteBuffer heap = ByteBuffer.wrap(data).position(100).limit(4000);
    assertEquals(expected, h.hash(heap));
    assertEquals(100, heap.position());
    assertEquals(
        expected, h.hash(ByteBuffer.wrap(data, 50, 4000).slice().position(50).limit(3950)));

    ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(data).position(100).limit(4000);
    assertEquals(expected, h.hash(direct));
    assertEquals(100, direct.position());
  }

  @Test
  void directBuffersLargerThanTheCopyWindowHashWhole() throws Exception {
    ChunkIdHasher h = new ChunkIdHasher(KEY.clone());
    for (int size : new int[] {16 * 1024, 16 * 1024 + 1, 100_000, 1 << 20}) {
      byte[] data = pattern(size + 7, size);
      ByteBuffer direct = ByteBuffer.allocateDirect(size + 7).put(data).position(7);
      assertEquals(
          ChunkId.of(referenceHmac(Arrays.copyOfRange(data, 7, size + 7))),
          h.hash(direct),
          "size " + size);
      assertEquals(7, direct.position());
    }
  }

  @Test
  void hasherIsSafeFromManyThreads() throws Exception {
    ChunkIdHasher h = new ChunkIdHasher(KEY.clone());
    List<byte[]> inputs = new ArrayList<>();
    List<ChunkId> expected = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      byte[] d = pattern(1000 + i * 37, i);
      inputs.add(d);
      expected.add(ChunkId.of(referenceHmac(d)));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        results.add(
            pool.submit(
                () -> {
                  for (int round = 0; round < 50; round++) {
                    for (int i = 0; i < inputs.size(); i++) {
                      byte[] d = inputs.get(i);
                      if (!expected.get(i).equals(h.hash(d, 0, d.length))) {
                        return false;
                      }
                    }
                  }
                  return true;
                }));
      }
      for (Future<Boolean> f : results) {
        assertTrue(f.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void destroyWipesTheKeyAndStopsHashing() {
    ChunkIdHasher h = new ChunkIdHasher(KEY.clone());
    h.hash(new byte[1], 0, 1);
    h.destroy();
    assertTrue(h.isDestroyed());
    assertEquals(
        CryptoException.Code.CLOSED,
        assertThrows(CryptoException.class, () -> h.hash(new byte[1], 0, 1)).code());
  }
}
