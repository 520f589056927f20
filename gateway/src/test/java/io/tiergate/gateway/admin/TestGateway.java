package io.tiergate.gateway.admin;

import io.tiergate.gateway.Gateway;
import io.tiergate.gateway.GatewayConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * A real gateway for admin tests: key ring, engine, iSCSI portal and admin server on
 * ephemeral loopback ports, in a temporary data directory, with an HTTPS client that trusts
 * its self-signed certificate and knows its local credential.
 */
public final class TestGateway implements AutoCloseable {
  public static final String PASSPHRASE = "correct horse battery staple";

  public final Path dataDir;
  public final Path passphraseFile;
  public final Gateway gateway;
  public final URI url;
  public final String localToken;
  private final HttpClient http;

  /** A response. */
  public record Reply(int status, String body, java.net.http.HttpHeaders headers) {
    public Map<String, Object> json() {
      return Json.parseObject(body);
    }
  }

  private TestGateway(Path dir) throws IOException {
    this(dir, "127.0.0.1", null);
  }

  private TestGateway(Path dir, String iscsiHost, io.tiergate.gateway.tier.CloudConfig cloud)
      throws IOException {
    this.dataDir = dir.resolve("data");
    this.passphraseFile = dir.resolve("passphrase");
    Files.createDirectories(dir);
    if (!Files.exists(passphraseFile)) {
      Files.writeString(passphraseFile, PASSPHRASE + "\n");
    }
    GatewayConfig config = new GatewayConfig(dataDir, iscsiHost, 0, "127.0.0.1:0",
        passphraseFile, Long.MAX_VALUE);
    gateway = Gateway.open(cloud == null ? config : config.withCloud(cloud));
    gateway.ensureDemoVolume();
    gateway.serve();
    url = URI.create(gateway.adminUrl());
    localToken = Files.readString(dataDir.resolve("admin/local-credential")).trim();
    http = HttpClient.newBuilder().sslContext(trusting(dataDir.resolve("admin/tls.crt")))
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** Starts a gateway in {@code dir} (reusing its data when present). */
  public static TestGateway start(Path dir) throws IOException {
    return new TestGateway(dir);
  }

  /** Starts a gateway whose iSCSI portal binds {@code iscsiHost} ({@code 0.0.0.0}: all). */
  public static TestGateway start(Path dir, String iscsiHost) throws IOException {
    return new TestGateway(dir, iscsiHost, null);
  }

  /** Starts a gateway in {@code dir} whose cloud tier uses {@code cloud} (the run flags). */
  public static TestGateway start(Path dir, io.tiergate.gateway.tier.CloudConfig cloud)
      throws IOException {
    return new TestGateway(dir, "127.0.0.1", cloud);
  }

  /** The iSCSI portal as host:port. */
  public String portal() {
    var a = gateway.iscsiAddress();
    return a.getHostString() + ":" + a.getPort();
  }

  public Reply call(String method, String path, String token, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(url.resolve(path))
        .timeout(Duration.ofSeconds(60))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    try {
      HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Reply(r.statusCode(), new String(r.body(), StandardCharsets.ISO_8859_1),
          r.headers());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Calls as the local administrator. */
  public Reply admin(String method, String path, String body) {
    return call(method, path, localToken, body);
  }

  static SSLContext trusting(Path cert) {
    try {
      return Certificates.trusting(cert);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    gateway.close();
  }
}
