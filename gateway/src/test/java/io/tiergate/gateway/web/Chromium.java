package io.tiergate.gateway.web;

import io.tiergate.gateway.admin.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real headless Chromium ({@code /usr/bin/chromium}, Debian's package) driven through the
 * DevTools protocol over a WebSocket of the JDK's HTTP client: navigate, evaluate JavaScript in
 * the page, type text. Enough to drive the web UI as a user would, without a WebDriver stack.
 */
final class Chromium implements AutoCloseable {
  private final Process process;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<Map<String, Object>>> pending =
      new ConcurrentHashMap<>();

  private Chromium(Process process, WebSocket socket) {
    this.process = process;
    this.socket = socket;
  }

  static Chromium start(Path profile) throws Exception {
    Files.createDirectories(profile);
    Process p = new ProcessBuilder("/usr/bin/chromium", "--headless", "--no-sandbox",
        "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile,
        "--ignore-certificate-errors", "--remote-debugging-port=0",
        "--remote-allow-origins=*", "--window-size=1280,900", "about:blank")
        .redirectErrorStream(true).redirectOutput(profile.resolve("chromium.log").toFile())
        .start();
    try {
      Path portFile = profile.resolve("DevToolsActivePort");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.exists(portFile) || Files.readAllLines(portFile).isEmpty()) {
        if (System.nanoTime() > deadline || !p.isAlive()) {
          throw new IllegalStateException("chromium did not start: "
              + Files.readString(profile.resolve("chromium.log")));
        }
        Thread.sleep(100);
      }
      int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
      HttpClient http = HttpClient.newHttpClient();
      String list = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      String ws = null;
      for (Object o : (List<?>) Json.parse(list)) {
        Map<?, ?> t = (Map<?, ?>) o;
        if ("page".equals(t.get("type"))) {
          ws = (String) t.get("webSocketDebuggerUrl");
        }
      }
      if (ws == null) {
        throw new IllegalStateException("no page target in " + list);
      }
      Chromium[] self = new Chromium[1];
      StringBuilder partial = new StringBuilder();
      WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(ws),
          new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
              partial.append(data);
              if (last) {
                self[0].dispatch(partial.toString());
                partial.setLength(0);
              }
              w.request(1);
              return null;
            }
          }).get(30, TimeUnit.SECONDS);
      self[0] = new Chromium(p, socket);
      return self[0];
    } catch (Exception e) {
      destroy(p);
      throw e;
    }
  }

  @SuppressWarnings("unchecked")
  private void dispatch(String text) {
    Map<String, Object> m = Json.parseObject(text);
    Object id = m.get("id");
    if (id != null) {
      CompletableFuture<Map<String, Object>> f = pending.remove(((Number) id).intValue());
      if (f != null) {
        f.complete(m);
      }
    }
  }

  /** Sends a DevTools command and waits for its result. */
  @SuppressWarnings("unchecked")
  Map<String, Object> send(String method, Map<String, Object> params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<Map<String, Object>> f = new CompletableFuture<>();
    pending.put(id, f);
    socket.sendText(Json.encode(Map.of("id", id, "method", method, "params", params)), true)
        .get(10, TimeUnit.SECONDS);
    Map<String, Object> r = f.get(30, TimeUnit.SECONDS);
    if (r.containsKey("error")) {
      throw new IllegalStateException(method + " failed: " + Json.encode(r.get("error")));
    }
    return (Map<String, Object>) r.get("result");
  }

  void navigate(String url) throws Exception {
    send("Page.navigate", Map.of("url", url));
  }

  /** Evaluates JavaScript in the page (awaiting a promise) and returns its value. */
  @SuppressWarnings("unchecked")
  Object eval(String js) throws Exception {
    Map<String, Object> r = send("Runtime.evaluate", Map.of("expression", js,
        "returnByValue", true, "awaitPromise", true));
    Map<String, Object> result = (Map<String, Object>) r.get("result");
    if (r.containsKey("exceptionDetails")) {
      throw new IllegalStateException("page script failed: " + Json.encode(r.get("exceptionDetails")));
    }
    return result.get("value");
  }

  /** Focuses an element and types text into it as keyboard input. */
  void type(String elementId, String text) throws Exception {
    eval("document.getElementById('" + elementId + "').focus(); "
        + "document.getElementById('" + elementId + "').value = ''; true");
    send("Input.insertText", Map.of("text", text));
  }

  /** Waits until a JavaScript condition holds in the page. */
  void waitFor(String condition, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    Object last = null;
    while (System.nanoTime() < deadline) {
      try {
        last = eval("(() => { try { return !!(" + condition + "); } catch (e) { return false; } })()");
        if (Boolean.TRUE.equals(last)) {
          return;
        }
      } catch (IllegalStateException e) {
        last = e.getMessage();
      }
      Thread.sleep(200);
    }
    throw new AssertionError("timed out waiting for " + condition + " (page: "
        + eval("document.body ? document.body.innerText.slice(0, 2000) : ''") + ")");
  }

  private static void destroy(Process p) {
    p.descendants().forEach(ProcessHandle::destroy);
    p.destroy();
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    try {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // the browser goes away next anyway
    }
    destroy(process);
  }
}
