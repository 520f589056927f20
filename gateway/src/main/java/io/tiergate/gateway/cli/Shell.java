package io.tiergate.gateway.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.ParsedLine;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * {@code ./tiergate shell}: an interactive prompt (JLine) with history in {@code
 * ~/.tiergate_history} and tab completion of cmdlets, their parameters and volume names.
 */
final class Shell {
  private Shell() {}

  static int run(Context base, List<String> args) {
    try (Terminal terminal = TerminalBuilder.builder().system(true).dumb(true).build()) {
      PrintStream out = new PrintStream(terminal.output(), true, StandardCharsets.UTF_8);
      LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("tiergate")
          .completer(new CmdletCompleter(base))
          .variable(LineReader.HISTORY_FILE,
              Path.of(System.getProperty("user.home"), ".tiergate_history"))
          .build();
      Context.Prompter prompter = new Context.Prompter() {
        @Override
        public String line(String prompt) {
          return reader.readLine(prompt);
        }

        @Override
        public char[] secret(String prompt) {
          return reader.readLine(prompt, '*').toCharArray();
        }
      };
      out.println("Tiergate shell. Tab completes cmdlets, parameters and volume names; "
          + "Get-Help lists cmdlets; exit leaves.");
      while (true) {
        String line;
        try {
          line = reader.readLine("tiergate> ");
        } catch (UserInterruptException e) {
          continue;
        } catch (EndOfFileException e) {
          return 0;
        }
        List<String> words = new ArrayList<>(reader.getParsedLine().words());
        words.removeIf(String::isEmpty);
        if (words.isEmpty()) {
          continue;
        }
        if (line.trim().equalsIgnoreCase("exit") || line.trim().equalsIgnoreCase("quit")) {
          return 0;
        }
        Context ctx = new Context(out, out, prompter);
        ctx.dataDir = base.dataDir;
        Cli.execute(words, ctx);
      }
    } catch (IOException e) {
      base.err.println("tiergate: cannot open the terminal: " + e.getMessage());
      return CliException.FAILURE;
    }
  }

  /**
   * Completes cmdlet names, then parameters, then volume names after -Name (and -Volume) and
   * snapshot ids after -Snapshot or a snapshot cmdlet's -Id, both fetched from the gateway.
   */
  static final class CmdletCompleter implements Completer {
    private final Context ctx;
    private List<String> volumes;
    private long volumesAt;
    private List<String> snapshots;
    private long snapshotsAt;

    CmdletCompleter(Context ctx) {
      this.ctx = ctx;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
      for (String s : candidates(line.words(), line.wordIndex())) {
        candidates.add(new Candidate(s));
      }
    }

    /** What may stand at word {@code index} of {@code words}. */
    List<String> candidates(List<String> words, int index) {
      List<String> out = new ArrayList<>();
      if (index == 0) {
        for (Cmdlets.Cmdlet c : Cmdlets.ALL) {
          out.add(c.name());
        }
        out.add("exit");
        return out;
      }
      Cmdlets.Cmdlet c = Cmdlets.find(words.get(0));
      if (c == null) {
        return out;
      }
      String prev = words.get(index - 1);
      String current = index < words.size() ? words.get(index) : "";
      boolean volumeCmdlet = c.name().endsWith("-Volume");
      boolean afterName = Args.key(prev).equals("name") && prev.startsWith("-");
      boolean firstPositional = index == 1 && !current.startsWith("-");
      String prevKey = prev.startsWith("-") ? Args.key(prev) : "";
      boolean snapshotCmdlet = c.name().endsWith("-Snapshot");
      if (prevKey.equals("snapshot") && c.param("snapshot") != null
          || snapshotCmdlet && prevKey.equals("id")
          || firstPositional && snapshotCmdlet && c.positional() != null
              && c.positional().key().equals("id")) {
        return snapshotIds();
      }
      if (prevKey.equals("volume") && c.param("volume") != null
          || firstPositional && c.name().equals("New-Snapshot")) {
        return volumeNames();
      }
      if (volumeCmdlet && !c.name().equals("New-Volume") && (afterName || firstPositional)) {
        return volumeNames();
      }
      if (c.name().equals("Get-Help") && (afterName || firstPositional)) {
        for (Cmdlets.Cmdlet x : Cmdlets.ALL) {
          out.add(x.name());
        }
        return out;
      }
      for (Cmdlets.Param p : c.params()) {
        out.add(p.name().contains("-") ? "--" + p.name() : "-" + p.name());
      }
      return out;
    }

    @SuppressWarnings("unchecked")
    private List<String> snapshotIds() {
      long now = System.currentTimeMillis();
      if (snapshots == null || now - snapshotsAt > 5000) {
        List<String> ids = new ArrayList<>();
        try {
          for (Object o : (List<Object>) ctx.connection().get("/api/v1/snapshots").json()
              .get("snapshots")) {
            ids.add(String.valueOf(((Map<String, Object>) o).get("id")));
          }
        } catch (RuntimeException e) {
          // no gateway reachable: nothing to complete
        }
        snapshots = ids;
        snapshotsAt = now;
      }
      return snapshots;
    }

    @SuppressWarnings("unchecked")
    private List<String> volumeNames() {
      long now = System.currentTimeMillis();
      if (volumes == null || now - volumesAt > 5000) {
        List<String> names = new ArrayList<>();
        try {
          for (Object o : (List<Object>) ctx.connection().get("/api/v1/volumes").json()
              .get("volumes")) {
            names.add(String.valueOf(((Map<String, Object>) o).get("name")));
          }
        } catch (RuntimeException e) {
          // no gateway reachable: nothing to complete
        }
        volumes = names;
        volumesAt = now;
      }
      return volumes;
    }
  }
}
