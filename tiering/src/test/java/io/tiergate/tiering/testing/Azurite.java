package io.tiergate.tiering.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Azure Storage emulator, started for a test on a free loopback port with its data under
 * {@code target/}. It is installed by {@code ./test} into {@code tools/azurite}; a missing
 * install fails the test rather than skipping it.
 */
public final class Azurite implements AutoCloseable {

  /** The emulator's well-known development account key (public, not a secret). */
  public static final String ACCOUNT = "devstoreaccount1";

  public static final String KEY =
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

  private final Path location;
  private final int port;
  private String accounts;
  private Process process;

  public Azurite(Path location) throws IOException {
    this(location, freePort());
  }

  public Azurite(Path location, int port) {
    this.location = location;
    this.port = port;
  }

  /**
   * Custom accounts for the emulator, in the form of its {@code AZURITE_ACCOUNTS} variable
   * ({@code name1:key1[:key2];name2:key3}); takes effect at the next {@link #start}.
   */
  public Azurite accounts(String accounts) {
    this.accounts = accounts;
    return this;
  }

  /** Starts the emulator and waits until it accepts connections. */
  public Azurite start() throws IOException, InterruptedException {
    Path bin = findRepoRoot().resolve("tools/azurite/node_modules/.bin/azurite-blob");
    if (!Files.isExecutable(bin)) {
      throw new IllegalStateException("Azurite is not installed at " + bin + ": run ./test");
    }
    Files.createDirectories(location);
    ProcessBuilder pb =
        new ProcessBuilder(
                List.of(
                    bin.toString(), "--blobHost", "127.0.0.1", "--blobPort", Integer.toString(port),
                    "--location", location.toString(), "--disableTelemetry", "--silent",
                    "--skipApiVersionCheck"))
            .redirectErrorStream(true)
            .redirectOutput(location.resolve("azurite.out").toFile());
    if (accounts != null) {
      pb.environment().put("AZURITE_ACCOUNTS", accounts);
    }
    process = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("Azurite exited: " + Files.readString(location.resolve("azurite.out")));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return this;
      } catch (IOException e) {
        Thread.sleep(100);
      }
    }
    throw new IllegalStateException("Azurite did not start on port " + port);
  }

  /** Stops the emulator (its data stays, so it can be started again on the same port). */
  public void stop() throws InterruptedException {
    if (process != null) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
      process = null;
    }
  }

  public int port() {
    return port;
  }

  public Path location() {
    return location;
  }

  public String connectionString() {
    return "DefaultEndpointsProtocol=http;AccountName=" + ACCOUNT + ";AccountKey=" + KEY
        + ";BlobEndpoint=http://127.0.0.1:" + port + "/" + ACCOUNT + ";";
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  public static Path findRepoRoot() {
    Path p = Paths.get("").toAbsolutePath();
    while (p != null && !Files.exists(p.resolve("tools/azurite/package.json"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("cannot find the repository root from " + Paths.get("").toAbsolutePath());
    }
    return p;
  }
}
