package io.tiergate.gateway.cli;

import io.tiergate.gateway.admin.Certificates;
import io.tiergate.gateway.admin.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
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
 * How the CLI reaches a gateway's REST API: the base URL, the bearer token and the certificate
 * to trust. Found, in order: {@code --server}/{@code --token} flags or the {@code
 * TIERGATE_SERVER}/{@code TIERGATE_TOKEN} variables (with {@code TIERGATE_CA} naming the
 * certificate to trust); the local gateway of {@code --data-dir} (its {@code admin/endpoint},
 * {@code admin/local-credential} and {@code admin/tls.crt}); the profile written by {@code
 * Connect-Appliance} ({@code ~/.tiergate/profile.json}).
 */
final class Connection {
  private final URI base;
  private final String token;
  private final HttpClient http;

  /** A response: status and body. */
  record Reply(int status, String body, byte[] bytes) {
    Map<String, Object> json() {
      return Json.parseObject(body);
    }
  }

  Connection(URI base, String token, Path certificate) {
    this.base = base;
    this.token = token;
    HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
    if (certificate != null) {
      b.sslContext(trusting(certificate));
    }
    this.http = b.build();
  }

  /** The local gateway of a data directory, or null when none is running there. */
  static Connection local(Path dataDir) {
    Path admin = dataDir.resolve("admin");
    Path endpoint = admin.resolve("endpoint");
    Path credential = admin.resolve("local-credential");
    if (!Files.isReadable(endpoint) || !Files.isReadable(credential)) {
      return null;
    }
    try {
      URI url = URI.create(Files.readString(endpoint).trim());
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(url.getHost().replaceAll("[\\[\\]]", ""), url.getPort()),
            2000);
      } catch (IOException e) {
        return null; // a stale endpoint file of a gateway that was killed
      }
      return new Connection(url, Files.readString(credential).trim(), admin.resolve("tls.crt"));
    } catch (IOException | IllegalArgumentException e) {
      return null;
    }
  }

  URI base() {
    return base;
  }

  Reply get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  Reply send(String method, String path, Object body) {
    HttpRequest.BodyPublisher p = body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(Json.encode(body));
    return send(HttpRequest.newBuilder(uri(path)).method(method, p)
        .header("Content-Type", "application/json"));
  }

  private URI uri(String path) {
    return base.resolve(path);
  }

  private Reply send(HttpRequest.Builder b) {
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    b.timeout(Duration.ofMinutes(5));
    try {
      HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Reply(r.statusCode(), new String(r.body(), StandardCharsets.UTF_8), r.body());
    } catch (ConnectException e) {
      throw new CliException(CliException.UNREACHABLE, "cannot reach the gateway at " + base
          + ": connection refused");
    } catch (IOException e) {
      throw new CliException(CliException.UNREACHABLE, "cannot reach the gateway at " + base
          + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(CliException.FAILURE, "interrupted");
    }
  }

  private static SSLContext trusting(Path certificate) {
    try {
      return Certificates.trusting(certificate);
    } catch (IOException | java.security.GeneralSecurityException e) {
      throw new CliException(CliException.FAILURE, "cannot load certificate " + certificate
          + ": " + e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "Connection[" + base + "]"; // never the token
  }
}
