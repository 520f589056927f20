package io.tiergate.gateway.cli;

import io.tiergate.gateway.admin.Json;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a running cmdlet works with: the output streams, the data directory, the connection
 * to the gateway (found on first use) and a way to prompt.
 */
final class Context {
  /** Reads a line or a secret from the user. */
  interface Prompter {
    String line(String prompt);

    char[] secret(String prompt);
  }

  final PrintStream out;
  final PrintStream err;
  final Prompter prompter;
  Path dataDir = Path.of("tiergate-data");
  boolean json;
  private String server;
  private String token;
  private String ca;
  private Connection connection;
  /** Standard input, for secrets given as {@code -}; one reader so no line is lost. */
  private final InputStream in;
  private BufferedReader stdin;

  Context(PrintStream out, PrintStream err, Prompter prompter) {
    this(out, err, prompter, System.in);
  }

  Context(PrintStream out, PrintStream err, Prompter prompter, InputStream in) {
    this.out = out;
    this.err = err;
    this.prompter = prompter;
    this.in = in;
  }

  /**
   * The value of a secret parameter, null when it is absent. {@code -} stands for the next
   * line of standard input, as for the {@code *File} parameters: several secrets given so
   * read successive lines, in the order Get-Help lists them.
   */
  char[] secret(Args a, String key) {
    if (!a.has(key)) {
      return null;
    }
    String v = a.get(key);
    return "-".equals(v) ? stdinLine(key) : v.toCharArray();
  }

  /** The next line of standard input without its line end, for the parameter {@code key}. */
  char[] stdinLine(String key) {
    try {
      if (stdin == null) {
        stdin = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      }
      String line = stdin.readLine();
      if (line == null) {
        throw new CliException(CliException.USAGE, "-" + key
            + " -: nothing on standard input");
      }
      return (line.endsWith("\r") ? line.substring(0, line.length() - 1) : line).toCharArray();
    } catch (IOException e) {
      throw new CliException(CliException.USAGE, "-" + key + " -: cannot read standard input: "
          + e.getClass().getSimpleName());
    }
  }

  void apply(Args a) {
    json = a.flag("json");
    if (a.has("datadir")) {
      dataDir = Path.of(a.get("datadir"));
      connection = null;
    }
    if (a.has("server")) {
      server = a.get("server");
      connection = null;
    }
    if (a.has("token")) {
      token = new String(secret(a, "token"));
    }
    if (a.has("ca")) {
      ca = a.get("ca");
    }
  }

  /** The connection to the gateway: flags, environment, local gateway, then profile. */
  @SuppressWarnings("unchecked")
  Connection connection() {
    if (connection != null) {
      return connection;
    }
    String s = server != null ? server : System.getenv("TIERGATE_SERVER");
    if (s != null) {
      String t = token != null ? token : System.getenv("TIERGATE_TOKEN");
      String c = ca != null ? ca : System.getenv("TIERGATE_CA");
      connection = new Connection(URI.create(s), t, c == null ? null : Path.of(c));
      return connection;
    }
    connection = Connection.awaitLocal(dataDir, err);
    if (connection != null) {
      return connection;
    }
    Path profile = profileFile();
    if (Files.isReadable(profile)) {
      try {
        Map<String, Object> p = Json.parseObject(Files.readString(profile));
        connection = new Connection(URI.create((String) p.get("server")), (String) p.get("token"),
            p.get("certificate") == null ? null : Path.of((String) p.get("certificate")));
        return connection;
      } catch (IOException | RuntimeException e) {
        throw new CliException(CliException.FAILURE, "cannot read " + profile + ": "
            + e.getMessage());
      }
    }
    throw new CliException(CliException.UNREACHABLE, "no running gateway found for data "
        + "directory " + dataDir.toAbsolutePath() + " (start it with './tiergate run', pass "
        + "--data-dir, or use --server / Connect-Appliance for a remote one)");
  }

  static Path profileFile() {
    return Path.of(System.getProperty("user.home"), ".tiergate", "profile.json");
  }

  /** Calls the API; maps error statuses to exit codes with the server's message. */
  Connection.Reply call(String method, String path, Object body) {
    Connection.Reply r = method.equals("GET") ? connection().get(path)
        : connection().send(method, path, body);
    if (r.status() >= 400) {
      String message;
      String field = null;
      try {
        Map<String, Object> m = r.json();
        message = String.valueOf(m.get("error"));
        field = (String) m.get("field");
      } catch (RuntimeException e) {
        message = "HTTP " + r.status();
      }
      int code = switch (r.status()) {
        case 400 -> CliException.USAGE;
        case 401, 403, 429 -> CliException.AUTH;
        case 404 -> CliException.NOT_FOUND;
        case 409 -> CliException.CONFLICT;
        default -> CliException.FAILURE;
      };
      throw new CliException(code, message + (field != null ? " (parameter: " + field + ")" : ""));
    }
    return r;
  }

  /** Prints the raw JSON when -Json was given; returns whether it did. */
  boolean printedJson(Connection.Reply r) {
    if (json) {
      out.println(r.body().strip());
    }
    return json;
  }

  /** Prints rows as a PowerShell-like table. */
  void table(List<String> headers, List<List<String>> rows) {
    int[] w = new int[headers.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = headers.get(i).length();
      for (List<String> r : rows) {
        w[i] = Math.max(w[i], r.get(i).length());
      }
    }
    List<String> dashes = new ArrayList<>();
    for (int i = 0; i < w.length; i++) {
      dashes.add("-".repeat(headers.get(i).length()));
    }
    printRow(headers, w);
    printRow(dashes, w);
    for (List<String> r : rows) {
      printRow(r, w);
    }
  }

  private void printRow(List<String> cells, int[] w) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      String c = cells.get(i);
      b.append(c);
      if (i < cells.size() - 1) {
        b.append(" ".repeat(w[i] - c.length() + 1));
      }
    }
    out.println(b.toString().stripTrailing());
  }

  /** Prints name : value lines, like PowerShell's Format-List. */
  void list(List<String[]> pairs) {
    int w = 0;
    for (String[] p : pairs) {
      w = Math.max(w, p[0].length());
    }
    for (String[] p : pairs) {
      out.println(p[0] + " ".repeat(w - p[0].length()) + " : " + p[1]);
    }
  }

  /** A system console prompter, or one that refuses when there is no console. */
  static Prompter consolePrompter() {
    return new Prompter() {
      @Override
      public String line(String prompt) {
        Console c = System.console();
        if (c == null) {
          throw new CliException(CliException.USAGE, "no terminal to ask '" + prompt.trim()
              + "': pass it as a parameter");
        }
        String s = c.readLine("%s", prompt);
        return s == null ? "" : s;
      }

      @Override
      public char[] secret(String prompt) {
        Console c = System.console();
        if (c == null) {
          throw new CliException(CliException.USAGE, "no terminal to ask '" + prompt.trim()
              + "': pass it as a parameter");
        }
        char[] s = c.readPassword("%s", prompt);
        return s == null ? new char[0] : s;
      }
    };
  }
}
