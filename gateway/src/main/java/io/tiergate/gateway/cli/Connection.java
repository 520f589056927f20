package io.tiergate.gateway.cli;

import io.tiergate.gateway.Gateway;
import io.tiergate.gateway.admin.Certificates;
import io.tiergate.gateway.admin.Json;
import java.io.IOException;
import java.io.PrintStream;
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
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

/**
 * How the CLI reaches a gateway's REST API: the base URL, the bearer token and the certificate
 * to trust. Found, in order: {@code --server}/{@code --token} flags or the {@code
 * TIERGATE_SERVER}/{@code TIERGATE_TOKEN} variables (with {@code TIERGATE_CA} naming the
 * certificate to trust); the local gateway of {@code --data-dir} (its {@code admin/endpoint},
 * {@code admin/local-credential} and {@code admin/tls.crt}), waited for while it starts; the
 * profile written by {@code Connect-Appliance} ({@code ~/.tiergate/profile.json}).
 */
final class Connection {
  /** System property: how long a command waits for a starting gateway, in seconds. */
  static final String START_WAIT_PROPERTY = "tiergate.startWaitSeconds";
  static final long DEFAULT_START_WAIT_SECONDS = 60;

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

  /** The local gateway of a data directory, or null when none is answering there. */
  static Connection local(Path dataDir) {
    Path admin = dataDir.resolve("admin");
    Path endpoint = admin.resolve("endpoint");
    Path credential = admin.resolve("local-credential");
    if (!Files.isReadable(endpoint) || !Files.isReadable(credential)) {
      return null;
    }
    try {
      String text = Files.readString(endpoint).trim();
      if (!text.startsWith("https://")) {
        return null; // "off (...)": a gateway without an admin server
      }
      URI url = URI.create(text);
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

  /**
   * The local gateway of a data directory, waiting for one that is starting there: its
   * database is open but its admin server does not answer yet (the iSCSI portal may already
   * serve). Waits at most {@code -Dtiergate.startWaitSeconds} (default {@value
   * #DEFAULT_START_WAIT_SECONDS}), noting on {@code err} that it does.
   *
   * @return the connection, or null when no gateway runs on {@code dataDir}
   * @throws CliException when a gateway runs there without an admin server, or does not
   *     answer in time
   */
  static Connection awaitLocal(Path dataDir, PrintStream err) {
    Connection c = local(dataDir);
    if (c != null || !Gateway.inUse(dataDir)) {
      return c;
    }
    Path dir = dataDir.toAbsolutePath();
    long seconds = Long.getLong(START_WAIT_PROPERTY, DEFAULT_START_WAIT_SECONDS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    boolean noted = false;
    while (true) {
      String noApi = noApiReason(dataDir);
      if (noApi != null) {
        throw new CliException(CliException.UNREACHABLE, "the gateway running on " + dir
            + " serves no admin API (" + noApi + "): restart it with --admin-listen, or stop"
            + " it to work on the data directory directly");
      }
      if (System.nanoTime() - deadline > 0) {
        throw new CliException(CliException.UNREACHABLE, "a gateway is starting on " + dir
            + " (its database is open) but its admin API did not answer within " + seconds
            + " s; try again when it prints that it is running");
      }
      if (!noted) {
        err.println("tiergate: a gateway is starting on " + dir + "; waiting up to " + seconds
            + " s for its admin API");
        noted = true;
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CliException(CliException.FAILURE, "interrupted");
      }
      c = local(dataDir);
      if (c != null || !Gateway.inUse(dataDir)) {
        return c; // up, or the start failed and nothing runs there
      }
    }
  }

  /** Why a running gateway has no admin API, as its endpoint file says, or null. */
  private static String noApiReason(Path dataDir) {
    try {
      String text = Files.readString(dataDir.resolve("admin").resolve("endpoint")).trim();
      return text.startsWith("off") ? text.substring(3).trim().replaceAll("^\\((.*)\\)$", "$1")
          : null;
    } catch (IOException e) {
      return null; // none yet
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
