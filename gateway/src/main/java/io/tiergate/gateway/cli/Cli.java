package io.tiergate.gateway.cli;

import io.tiergate.gateway.Gateway;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Entry point of the admin CLI: {@code ./tiergate <Verb-Noun> [-Parameter value ...]}, plus
 * {@code setup} and {@code shell}. Cmdlets talk to the gateway's REST API (see {@link
 * Context#connection()} for how it is found).
 *
 * <p>Exit status: 0 success, 1 failure, 2 bad parameters, 3 not found, 4 conflict (for
 * example "cloud tier not configured", or sessions still logged in), 5 not authorised, 6 no
 * gateway reachable.
 */
public final class Cli {
  private Cli() {}

  /** Whether {@code command} is a cmdlet, {@code setup} or {@code shell}. */
  public static boolean handles(String command) {
    String c = command.toLowerCase(Locale.ROOT);
    return c.equals("setup") || c.equals("shell") || Cmdlets.find(c) != null
        || c.matches("[a-z]+-[a-z]+");
  }

  /**
   * Whether {@code args} address a running gateway: a remote one ({@code --server} or {@code
   * TIERGATE_SERVER}), or one running or starting on the data directory named by {@code
   * --data-dir} (default {@code ./tiergate-data}): answering its admin port, or holding the
   * data directory's database (then the cmdlet waits for it, or says why it cannot).
   */
  public static boolean gatewayRunning(String[] args) {
    for (String a : args) {
      if (a.startsWith("-") && Args.key(a.split("=", 2)[0]).equals("server")) {
        return true;
      }
    }
    Path dir = dataDir(args);
    return System.getenv("TIERGATE_SERVER") != null || Connection.local(dir) != null
        || Gateway.inUse(dir);
  }

  private static Path dataDir(String[] args) {
    Path dir = Path.of("tiergate-data");
    for (int i = 1; i < args.length; i++) {
      String k = Args.key(args[i].contains("=") ? args[i].substring(0, args[i].indexOf('='))
          : args[i]);
      if (args[i].startsWith("-") && k.equals("datadir")) {
        if (args[i].contains("=")) {
          dir = Path.of(args[i].substring(args[i].indexOf('=') + 1));
        } else if (i + 1 < args.length) {
          dir = Path.of(args[i + 1]);
        }
      }
    }
    return dir;
  }

  /** Runs one command line; returns the exit status. */
  public static int run(String[] args, PrintStream out, PrintStream err) {
    Context ctx = new Context(out, err, Context.consolePrompter());
    List<String> words = Arrays.asList(args);
    String first = args[0].toLowerCase(Locale.ROOT);
    if (first.equals("shell")) {
      try {
        ctx.apply(Args.parse(words.subList(1, words.size()), Cmdlets.find("Get-Help")));
      } catch (CliException e) {
        err.println("tiergate: " + e.getMessage());
        return e.exitCode();
      }
      return Shell.run(ctx, words);
    }
    return execute(words, ctx);
  }

  static int execute(List<String> words, Context ctx) {
    String name = words.get(0).equalsIgnoreCase("setup") ? "Invoke-SetupWizard" : words.get(0);
    Cmdlets.Cmdlet c = Cmdlets.find(name);
    if (c == null) {
      ctx.err.println("tiergate: the term '" + words.get(0) + "' is not recognized as a cmdlet."
          + " Get-Help lists them.");
      return CliException.USAGE;
    }
    try {
      Args a = Args.parse(words.subList(1, words.size()), c);
      ctx.apply(a);
      return c.action().run(ctx, a);
    } catch (CliException e) {
      ctx.err.println("tiergate: " + c.name() + ": " + e.getMessage());
      return e.exitCode();
    } catch (RuntimeException e) {
      ctx.err.println("tiergate: " + c.name() + ": " + e.getMessage());
      return CliException.FAILURE;
    }
  }
}
