package io.tiergate.tiering.bench;

import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobRange;
import io.tiergate.crypto.KdfParams;
import io.tiergate.crypto.KeyRing;
import io.tiergate.tiering.CloudTier;
import io.tiergate.tiering.UploadedPack;
import io.tiergate.tiering.pack.PackEntry;
import io.tiergate.tiering.store.AzureBlobObjectStore;
import io.tiergate.tiering.store.BandwidthLimiter;
import io.tiergate.tiering.testing.Azurite;
import java.io.ByteArrayOutputStream;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Cloud-tier throughput and latency against the raw Azure SDK, on the same Azurite in the same
 * run: pack upload throughput vs plain uploads of blobs of the same size, cold read of one
 * 64 KiB record vs a plain ranged GET of the same bytes, and HTTP requests per GiB tiered.
 * Run with {@code bench/tiering-vs-sdk}.
 *
 * <p>Fairness of the upload comparison: both sides keep the same number of PUTs in flight
 * ({@code parallel}, default 2 like the gateway's {@code upload-parallelism}), each from its
 * own pool of that many threads, and both prepare the next body on the main thread while those
 * PUTs run: the tier seals (AES-GCM and MD5) the next pack, as the gateway's upload pass does;
 * the plain side copies the records into one array. Neither side starts a PUT before its body
 * is ready, and both wait for their last PUT.
 */
public final class TieringBenchmark {

  private static final int RECORD = 64 * 1024;

  private TieringBenchmark() {}

  /**
   * Runs the benchmark: args = [packs (default 8)] [records per pack (default 500, about
   * 32 MiB)] [reads (default 2000: the p99 of a few hundred samples is just the worst few)]
   * [PUTs in flight on each side (default 2)].
   */
  public static void main(String[] args) throws Exception {
    int packs = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    int perPack = args.length > 1 ? Integer.parseInt(args[1]) : 500;
    int reads = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
    int parallel = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    try (Azurite azurite = new Azurite(Paths.get("target", "azurite-bench-" + UUID.randomUUID())).start();
        KeyRing ring = KeyRing.create("benchmark passphrase".toCharArray(), KdfParams.insecureForTests(1000))) {
      AtomicLong requests = new AtomicLong();
      HttpPipelinePolicy counter = (ctx, next) -> {
        requests.incrementAndGet();
        return next.process();
      };
      AzureBlobObjectStore store = AzureBlobObjectStore.builder()
          .connectionString(azurite.connectionString()).container("tier").addPolicy(counter).build();
      BlobContainerClient plain = new BlobServiceClientBuilder()
          .connectionString(azurite.connectionString())
          .httpClient(new com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder().build())
          .buildClient().getBlobContainerClient("plain");
      plain.createIfNotExists();
      CloudTier tier = new CloudTier(store, ring, new BandwidthLimiter(0), 8);

      Random rnd = new Random(42);
      List<List<CloudTier.Record>> batches = new ArrayList<>();
      for (int p = 0; p < packs; p++) {
        List<CloudTier.Record> recs = new ArrayList<>();
        for (int i = 0; i < perPack; i++) {
          byte[] b = new byte[RECORD];
          rnd.nextBytes(b);
          recs.add(new CloudTier.Record(ring.chunkIdHasher().hash(b, 0, b.length), b));
        }
        batches.add(recs);
      }
      long bytes = (long) packs * perPack * RECORD;

      // Warm both paths: AES-GCM and MD5 reach full speed only once C2 has compiled them
      // (seconds of use), and a gateway seals packs all day, so seal packs locally for 12 s
      // first, through the very code the upload uses (the pack writer's buffer path).
      long until = System.nanoTime() + 12_000_000_000L;
      while (System.nanoTime() < until) {
        tier.seal(batches.get(0));
      }
      tier.uploadPack(batches.get(0));
      plain.getBlobClient("warm").upload(BinaryData.fromBytes(concat(batches.get(0))), true);

      // Alternate the two, twice each, and keep each side's best: the machine is shared.
      ExecutorService pool = Executors.newFixedThreadPool(parallel);
      double bestTier = 0;
      double bestPlain = 0;
      long sealNanos = 0;
      List<UploadedPack> uploaded = new ArrayList<>();
      long requestsPerRound = 0;
      for (int round = 0; round < 2; round++) {
        long r0 = requests.get();
        long t0 = System.nanoTime();
        Semaphore slots = new Semaphore(parallel);
        List<Future<UploadedPack>> thisRound = new ArrayList<>();
        sealNanos = 0;
        for (List<CloudTier.Record> recs : batches) {
          long s0 = System.nanoTime();
          CloudTier.SealedPack sealed = tier.seal(recs);
          sealNanos += System.nanoTime() - s0;
          slots.acquire();
          thisRound.add(pool.submit(() -> {
            try {
              return tier.upload(sealed);
            } finally {
              slots.release();
            }
          }));
        }
        List<UploadedPack> done = new ArrayList<>();
        for (Future<UploadedPack> f : thisRound) {
          done.add(f.get());
        }
        double tierSecs = (System.nanoTime() - t0) / 1e9;
        requestsPerRound = requests.get() - r0;
        uploaded = done;
        bestTier = Math.max(bestTier, bytes / tierSecs);

        long t1 = System.nanoTime();
        List<Future<?>> plainRound = new ArrayList<>();
        for (int p = 0; p < packs; p++) {
          byte[] body = concat(batches.get(p));
          BlobClient blob = plain.getBlobClient("r" + round + "/p" + p);
          slots.acquire();
          plainRound.add(pool.submit(() -> {
            try {
              blob.upload(BinaryData.fromBytes(body), true);
            } finally {
              slots.release();
            }
          }));
        }
        for (Future<?> f : plainRound) {
          f.get();
        }
        double plainSecs = (System.nanoTime() - t1) / 1e9;
        bestPlain = Math.max(bestPlain, bytes / plainSecs);
      }
      pool.shutdown();

      // Cold reads: the same record offsets and lengths, through the tier and as raw ranges.
      long[] tierNs = new long[reads];
      long[] plainNs = new long[reads];
      Random pick = new Random(7);
      for (int i = 0; i < reads + 50; i++) {
        int p = pick.nextInt(packs);
        UploadedPack up = uploaded.get(p);
        PackEntry e = up.entries().get(pick.nextInt(up.entries().size()));
        long a = System.nanoTime();
        tier.fetch(up.ref(), e);
        long b = System.nanoTime();
        ByteArrayOutputStream out = new ByteArrayOutputStream(e.length());
        plain.getBlobClient("r1/p" + p).downloadStreamWithResponse(
            out, new BlobRange(e.offset(), (long) e.length()), null, null, false, null, null);
        long c = System.nanoTime();
        if (i >= 50) {
          tierNs[i - 50] = b - a;
          plainNs[i - 50] = c - b;
        }
      }
      Arrays.sort(tierNs);
      Arrays.sort(plainNs);

      double gib = bytes / (double) (1L << 30);
      System.out.printf("tiering benchmark on Azurite: %d packs x %d records x 64 KiB (%.0f MiB)%n",
          packs, perPack, bytes / 1048576.0);
      System.out.printf("upload   tier %.1f MB/s   plain SDK %.1f MB/s   ratio %.2fx (goal >= 0.8x), "
          + "%d PUT(s) in flight each side; sealing took %.0f ms per pack%n",
          bestTier / 1e6, bestPlain / 1e6, bestTier / bestPlain, parallel, sealNanos / 1e6 / packs);
      System.out.printf("cold 64 KiB read p50  tier %.2f ms   plain ranged GET %.2f ms   ratio %.2fx (goal <= 1.5x)%n",
          pct(tierNs, 50), pct(plainNs, 50), pct(tierNs, 50) / pct(plainNs, 50));
      System.out.printf("cold 64 KiB read p99  tier %.2f ms   plain ranged GET %.2f ms   ratio %.2fx (goal <= 1.5x)%n",
          pct(tierNs, 99), pct(plainNs, 99), pct(tierNs, 99) / pct(plainNs, 99));
      System.out.printf("requests per GiB tiered: %.1f (goal <= 64)%n", requestsPerRound / gib);
    }
  }

  private static double pct(long[] sorted, int p) {
    return sorted[Math.min(sorted.length - 1, sorted.length * p / 100)] / 1e6;
  }

  private static byte[] concat(List<CloudTier.Record> recs) {
    byte[] all = new byte[recs.size() * RECORD];
    for (int i = 0; i < recs.size(); i++) {
      System.arraycopy(recs.get(i).bytes(), 0, all, i * RECORD, RECORD);
    }
    return all;
  }
}
