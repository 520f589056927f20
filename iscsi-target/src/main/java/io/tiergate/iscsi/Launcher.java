package io.tiergate.iscsi;

import io.tiergate.iscsi.auth.ChapCredentials;
import io.tiergate.iscsi.device.FileBlockDevice;
import io.tiergate.iscsi.device.MemoryBlockDevice;
import io.tiergate.iscsi.spi.BlockDevice;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * Serves one memory or file LUN on its own, for tests and benchmarks:
 *
 * <pre>
 * java -cp ... io.tiergate.iscsi.Launcher --listen 127.0.0.1:3260 --iqn iqn.2026-01.io.tiergate:t0 \
 *     (--memory 1GiB | --file PATH --size 1GiB) [--block-size 512] [--chap user:secret]
 *     [--mutual-chap user:secret] [--discovery-chap user:secret] [--allow INITIATOR_IQN]...
 *     [--queue-depth N] [--portal HOST:PORT] [--io-threads N] [--event-loops N]
 * </pre>
 *
 * Runs until interrupted (SIGINT/SIGTERM). To start it from a script without packaging:
 *
 * <pre>
 * mvn -q -pl iscsi-target compile dependency:build-classpath -Dmdep.outputFile=cp.txt
 * java -cp iscsi-target/target/classes:$(cat iscsi-target/cp.txt) io.tiergate.iscsi.Launcher ...
 * </pre>
 *
 * ({@code bench/iscsi-vs-tgt} does exactly this.)
 */
public final class Launcher {
  private Launcher() {}

  /** Entry point; see the class comment for the flags. */
  public static void main(String[] args) throws IOException, InterruptedException {
    String listen = "127.0.0.1:3260";
    String iqn = "iqn.2026-01.io.tiergate:launcher";
    Long memory = null;
    String file = null;
    Long size = null;
    int blockSize = 512;
    String chap = null;
    String mutual = null;
    String discovery = null;
    Set<String> allow = new LinkedHashSet<>();
    TargetConfig.Builder config = TargetConfig.builder();
    try {
      for (int i = 0; i < args.length; i++) {
        String flag = args[i];
        if (flag.equals("-h") || flag.equals("--help")) {
          usage(null);
          return;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(flag + " needs a value");
        }
        String value = args[++i];
        switch (flag) {
          case "--listen": listen = value; break;
          case "--iqn": iqn = value; break;
          case "--memory": memory = size(value); break;
          case "--file": file = value; break;
          case "--size": size = size(value); break;
          case "--block-size": blockSize = Integer.parseInt(value); break;
          case "--chap": chap = value; break;
          case "--mutual-chap": mutual = value; break;
          case "--discovery-chap": discovery = value; break;
          case "--allow": allow.add(value); break;
          case "--queue-depth": config.queueDepth(Integer.parseInt(value)); break;
          case "--portal": config.portalAddress(value); break;
          case "--io-threads": config.ioThreads(Integer.parseInt(value)); break;
          case "--event-loops": config.eventLoopThreads(Integer.parseInt(value)); break;
          default: throw new IllegalArgumentException("unknown flag " + flag);
        }
      }
      if ((memory == null) == (file == null)) {
        throw new IllegalArgumentException("give exactly one of --memory SIZE or --file PATH");
      }
      if (file != null && size == null) {
        throw new IllegalArgumentException("--file needs --size");
      }
    } catch (IllegalArgumentException e) {
      usage(e.getMessage());
      System.exit(2);
      return;
    }
    int colon = listen.lastIndexOf(':');
    String host = listen.substring(0, colon).replace("[", "").replace("]", "");
    int port = Integer.parseInt(listen.substring(colon + 1));
    BlockDevice device = memory != null ? new MemoryBlockDevice(memory, blockSize)
        : new FileBlockDevice(Path.of(file), size, blockSize);
    ChapCredentials credentials = credentials(chap, mutual);
    config.target(new TargetConfig.Target(iqn, Map.of(0L, device), allow, credentials));
    if (discovery != null) {
      config.discoveryChap(credentials(discovery, null));
    } else if (credentials != null) {
      config.discoveryChap(credentials);
    }
    IscsiServer server = IscsiServer.start(config.build(), host, port);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      device.close();
      stopped.countDown();
    }, "iscsi-shutdown"));
    System.out.printf("tiergate iSCSI target %s LUN 0 (%s, %d bytes, %d-byte blocks) on %s:%d%n",
        iqn, memory != null ? "memory" : file, device.blockCount() * device.blockSize(),
        device.blockSize(), host, server.port());
    System.out.flush();
    stopped.await();
  }

  private static ChapCredentials credentials(String chap, String mutual) {
    if (chap == null) {
      if (mutual != null) {
        throw new IllegalArgumentException("--mutual-chap needs --chap");
      }
      return null;
    }
    String[] c = split(chap);
    if (mutual == null) {
      return ChapCredentials.of(c[0], c[1]);
    }
    String[] m = split(mutual);
    return ChapCredentials.mutual(c[0], c[1], m[0], m[1]);
  }

  private static String[] split(String userSecret) {
    int colon = userSecret.indexOf(':');
    if (colon <= 0 || colon == userSecret.length() - 1) {
      throw new IllegalArgumentException("CHAP credentials must be user:secret");
    }
    return new String[] {userSecret.substring(0, colon), userSecret.substring(colon + 1)};
  }

  /** Parses 512, 64KiB, 256MiB, 1GiB, 2G, ... into bytes. */
  static long size(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    long unit = 1;
    String[][] units = {{"tib", "t"}, {"gib", "g"}, {"mib", "m"}, {"kib", "k"}};
    long[] factors = {1L << 40, 1L << 30, 1L << 20, 1L << 10};
    for (int i = 0; i < units.length && unit == 1; i++) {
      for (String suffix : units[i]) {
        if (t.endsWith(suffix)) {
          unit = factors[i];
          t = t.substring(0, t.length() - suffix.length());
          break;
        }
      }
    }
    if (t.endsWith("b")) {
      t = t.substring(0, t.length() - 1);
    }
    long n = Long.parseLong(t.trim());
    if (n <= 0) {
      throw new IllegalArgumentException("size must be positive: " + text);
    }
    return Math.multiplyExact(n, unit);
  }

  private static void usage(String error) {
    if (error != null) {
      System.err.println("error: " + error);
    }
    System.err.println("usage: Launcher --listen HOST:PORT --iqn IQN "
        + "(--memory SIZE | --file PATH --size SIZE) [--block-size 512|4096]\n"
        + "       [--chap USER:SECRET [--mutual-chap USER:SECRET]] [--discovery-chap USER:SECRET]\n"
        + "       [--allow INITIATOR_IQN]... [--queue-depth N] [--portal HOST:PORT]\n"
        + "       [--io-threads N] [--event-loops N]");
  }
}
