package io.tiergate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.gateway.Main;
import io.tiergate.gateway.admin.TestGateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tiergate shell} in a real terminal: a tmux session on a private socket runs the shell
 * on a pseudo-terminal, and the test types keys into it (Tab, Up, Ctrl-U, Enter) and reads the
 * screen back. Checks what only a TTY shows: completion of cmdlets, parameters and volume names
 * on the line being edited, history recall with the arrow key, masked secret prompts, and that
 * no secret typed at a masked prompt lands on the screen or in the history file. Needs tmux
 * (./test installs it).
 */
class ShellTtyIT {
  private static final String PROMPT = "tiergate> ";

  @TempDir
  Path tmp;
  private Path socket;
  private TestGateway gw;

  @AfterEach
  void stop() throws Exception {
    if (socket != null) {
      tmux("kill-server");
    }
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void completesRecallsAndMasksInARealTerminal() throws Exception {
    gw = TestGateway.start(tmp.resolve("gw"));
    assertEquals(201, gw.admin("POST", "/api/v1/volumes",
        "{\"name\":\"ttyvol-alpha\",\"size\":\"1GiB\"}").status());
    Path home = Files.createDirectories(tmp.resolve("home"));
    Path script = tmp.resolve("shell.sh");
    Files.writeString(script, "exec '" + Path.of(System.getProperty("java.home"), "bin", "java")
        + "' -Xmx256m -XX:TieredStopAtLevel=1 -Duser.home='" + home + "' -cp '"
        + System.getProperty("java.class.path") + "' " + Main.class.getName()
        + " shell --data-dir '" + gw.dataDir + "'\n");
    socket = tmp.resolve("tmux.sock");
    tmux("new-session", "-d", "-s", "t", "-x", "200", "-y", "50", "sh " + script);
    waitFor(s -> s.contains(PROMPT), "the shell's prompt");

    // Tab completes the cmdlet, then the parameter, then the volume name, on the line itself.
    type("Get-Vol");
    keys("Tab");
    waitFor(s -> lastLine(s).equals(PROMPT + "Get-Volume"), "the cmdlet completed");
    type("-Na");
    keys("Tab");
    waitFor(s -> lastLine(s).equals(PROMPT + "Get-Volume -Name"), "the parameter completed");
    type("ttyv");
    keys("Tab");
    waitFor(s -> lastLine(s).equals(PROMPT + "Get-Volume -Name ttyvol-alpha"),
        "the volume name completed from the running gateway");
    keys("Enter");
    waitFor(s -> s.contains("iqn.2026-11.io.tiergate:ttyvol-alpha")
        && lastLine(s).equals(PROMPT.strip()), "the cmdlet's output and a new prompt");

    // The arrow key brings the line back; Ctrl-U clears it.
    keys("Up");
    waitFor(s -> lastLine(s).equals(PROMPT + "Get-Volume -Name ttyvol-alpha"), "history recall");
    keys("C-u");
    waitFor(s -> lastLine(s).equals(PROMPT.strip()), "an empty line");

    // Secret prompts echo stars, never the secret.
    String wrong = "not-the-passphrase-xyzzy";
    String next = "another-long-secret-plugh";
    type("Set-Passphrase");
    keys("Enter");
    waitFor(s -> lastLine(s).startsWith("Current passphrase:"), "the passphrase prompt");
    type(wrong);
    waitFor(s -> lastLine(s).equals("Current passphrase: " + "*".repeat(wrong.length())),
        "a masked echo");
    keys("Enter");
    waitFor(s -> lastLine(s).startsWith("New passphrase"), "the new passphrase prompt");
    type(next);
    keys("Enter");
    waitFor(s -> lastLine(s).startsWith("Again"), "the confirmation prompt");
    type(next);
    keys("Enter");
    String screen = waitFor(s -> lastLine(s).equals(PROMPT.strip())
        && s.contains("Set-Passphrase") && s.indexOf("Again") < s.lastIndexOf(PROMPT.strip()),
        "the refusal and a new prompt");
    assertTrue(screen.toLowerCase().contains("passphrase"), screen);
    assertFalse(screen.contains("xyzzy") || screen.contains("plugh"), screen);

    type("exit");
    keys("Enter");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (tmux("has-session", "-t", "t").exitCode == 0) {
      assertTrue(System.nanoTime() < deadline, "the shell did not exit");
      Thread.sleep(100);
    }
    String history = Files.readString(home.resolve(".tiergate_history"));
    assertTrue(history.contains("Get-Volume -Name ttyvol-alpha"), history);
    assertFalse(history.contains("xyzzy") || history.contains("plugh"),
        "a masked secret went to the history file");
    // The gateway still has the old passphrase: the wrong one changed nothing.
    assertEquals(TestGateway.PASSPHRASE, Files.readString(gw.passphraseFile).trim());
  }

  private record Run(int exitCode, String out) {}

  private Run tmux(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("tmux", "-S", socket.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("TERM", "xterm-256color");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "tmux hung");
    return new Run(p.exitValue(), out);
  }

  private void keys(String... keys) throws Exception {
    List<String> args = new ArrayList<>(List.of("send-keys", "-t", "t"));
    args.addAll(List.of(keys));
    Run r = tmux(args.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r.out());
  }

  /** Types text literally (text starting with a dash is not an option of tmux). */
  private void type(String text) throws Exception {
    keys("-l", "--", text);
  }

  private String screen() throws Exception {
    return tmux("capture-pane", "-p", "-J", "-S", "-500", "-t", "t").out();
  }

  /** The last non-blank line of the screen, trailing blanks removed. */
  private static String lastLine(String screen) {
    String[] lines = screen.split("\n");
    for (int i = lines.length - 1; i >= 0; i--) {
      if (!lines[i].isBlank()) {
        return lines[i].stripTrailing();
      }
    }
    return "";
  }

  private String waitFor(Predicate<String> ready, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    String s = screen();
    while (!ready.test(s)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what + "; the screen:\n" + s);
      }
      Thread.sleep(100);
      s = screen();
    }
    return s;
  }
}
