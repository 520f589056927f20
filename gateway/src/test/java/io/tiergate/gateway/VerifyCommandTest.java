package io.tiergate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.tiergate.gateway.engine.EngineData;
import io.tiergate.gateway.engine.VolumeSpec;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tiergate verify} on a data directory: status 0 when the engine is consistent, 1 with
 * the violation named once an invariant is broken on disk.
 */
class VerifyCommandTest {
  @TempDir
  Path tmp;

  @Test
  void consistentIsZeroAndABrokenInvariantIsNot() throws Exception {
    Path passphrase = tmp.resolve("passphrase");
    Files.writeString(passphrase, "correct horse battery staple\n");
    String[] args = {"verify", "--data-dir", tmp.resolve("data").toString(), "--passphrase-file",
        passphrase.toString()};
    try (Gateway g = Gateway.open(Main.runConfig(args))) {
      g.engine().createVolume(VolumeSpec.of("v", 1 << 20));
      g.engine().volume("v").write(8, Unpooled.wrappedBuffer(EngineData.random(400 * 512, 3)),
          true);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertEquals(0, Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        System.err), out.toString(StandardCharsets.UTF_8));
    assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("consistent: 1 volume(s)"),
        out.toString(StandardCharsets.UTF_8));

    try (Gateway g = Gateway.open(Main.runConfig(args))) {
      EngineData.addStrayBlockMapEntry(g.engine());
    }
    out.reset();
    assertEquals(1, Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        System.err));
    String said = out.toString(StandardCharsets.UTF_8);
    assertTrue(said.contains("violation: block map entry of unknown volume 999999"), said);
  }
}
