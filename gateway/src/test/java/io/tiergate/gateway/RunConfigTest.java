package io.tiergate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tiergate run} reads {@code <data-dir>/tiergate.conf}, the file the setup wizard
 * writes, when no {@code --config} is given; flags override it, and {@code --config} names
 * another file instead.
 */
class RunConfigTest {
  @TempDir
  Path dir;

  private Path saveSetup(Path dataDir) throws Exception {
    Files.createDirectories(dataDir);
    Path pass = dir.resolve("passphrase");
    Files.writeString(dataDir.resolve("tiergate.conf"), "# Written by ./tiergate setup\n"
        + "data-dir = " + dataDir.toAbsolutePath() + "\n"
        + "iscsi-listen = 127.0.0.1:13260\n"
        + "admin-listen = 127.0.0.1:18443\n"
        + "passphrase-file = " + pass.toAbsolutePath() + "\n");
    return pass;
  }

  @Test
  void theSetupFileInTheDataDirectoryIsRead() throws Exception {
    Path data = dir.resolve("data");
    Path pass = saveSetup(data);
    GatewayConfig c = Main.runConfig("run", "--data-dir", data.toString());
    assertEquals("127.0.0.1", c.iscsiHost());
    assertEquals(13260, c.iscsiPort());
    assertEquals("127.0.0.1:18443", c.adminListen());
    assertEquals(pass.toAbsolutePath(), c.passphraseFile());
  }

  @Test
  void flagsOverrideTheSetupFile() throws Exception {
    Path data = dir.resolve("data");
    saveSetup(data);
    GatewayConfig c = Main.runConfig("run", "-DataDir", data.toString(), "--iscsi-listen",
        "0.0.0.0:3261", "--admin-listen", "off");
    assertEquals("0.0.0.0", c.iscsiHost());
    assertEquals(3261, c.iscsiPort());
    assertEquals("off", c.adminListen());
    assertEquals(data, c.dataDir());
  }

  @Test
  void anExplicitConfigFileReplacesTheSetupFile() throws Exception {
    Path data = dir.resolve("data");
    saveSetup(data);
    Path other = dir.resolve("other.conf");
    Files.writeString(other, "iscsi-listen = 127.0.0.1:23260\n");
    GatewayConfig c = Main.runConfig("run", "--data-dir", data.toString(), "--config",
        other.toString());
    assertEquals(23260, c.iscsiPort());
    assertEquals("127.0.0.1:8080", c.adminListen());
    assertNull(c.passphraseFile());
  }

  @Test
  void withoutASetupFileTheDefaultsHold() {
    GatewayConfig c = Main.runConfig("run", "--data-dir", dir.resolve("empty").toString());
    assertEquals(3260, c.iscsiPort());
    assertEquals("0.0.0.0", c.iscsiHost());
    assertNull(c.passphraseFile());
  }
}
