package io.tiergate.gateway.tier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parsing of the cloud settings, and the connection string staying secret. */
class CloudConfigTest {
  private static final String SECRET = "c2VjcmV0LWFjY291bnQta2V5LW5ldmVyLWxvZw==";

  @TempDir
  Path dir;

  @Test
  void parsesFlagsAsAdministratorsWriteThem() {
    CloudConfig c = CloudConfig.defaults()
        .with("cloud", "azure")
        .with("azureconnectionstringfile", "/etc/tiergate/azure.txt")
        .with("container", "backups")
        .with("packtier", "cool")
        .with("tierafter", "30m")
        .with("bandwidthlimit", "20MB/s")
        .with("uploadparallelism", "4")
        .with("cachehighwatermark", "95%")
        .with("cachelowwatermark", "0.85")
        .with("gcgrace", "2h");
    assertTrue(c.azure());
    assertEquals("Cool", c.packTier());
    assertEquals(Duration.ofMinutes(30), c.tierAfter());
    assertEquals(20_000_000L, c.bandwidthBytesPerSecond());
    assertEquals(16L << 20, CloudConfig.parseRate("16MiB/s"));
    assertEquals(4, c.uploadParallelism());
    assertEquals(0.95, c.highWatermark(), 1e-9);
    assertEquals(0.85, c.lowWatermark(), 1e-9);
    assertEquals(Duration.ofHours(2), c.gcGrace());
    assertEquals(dir.resolve("cloud"), CloudConfig.defaults().directory(dir));
    assertEquals(Path.of("/srv/c"), CloudConfig.defaults().with("cloud", "file:/srv/c")
        .directory(dir));
    assertEquals(null, c.with("no-such-setting", "1"));
    assertThrows(IllegalArgumentException.class, () -> c.with("cloud", "s3"));
    assertThrows(IllegalArgumentException.class, () -> c.with("packtier", "Archive"));
    assertThrows(IllegalArgumentException.class, () -> c.with("tierafter", "soon"));
    assertThrows(IllegalArgumentException.class, () -> c.with("cachelowwatermark", "99%"));
  }

  @Test
  void theConnectionStringIsNeverInAMessageOrAString() throws Exception {
    Path file = dir.resolve("azure.txt");
    Files.writeString(file, "DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=" + SECRET
        + ";BlobEndpoint=not a url at all;\n");
    CloudConfig c = CloudConfig.defaults().with("cloud", "azure")
        .with("azureconnectionstringfile", file.toString());
    assertFalse(c.toString().contains(SECRET));
    assertFalse(c.describe(dir).contains(SECRET));
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> CloudStores.open(c, dir, Duration.ofSeconds(1)));
    StringWriter trace = new StringWriter();
    e.printStackTrace(new PrintWriter(trace));
    assertFalse(trace.toString().contains(SECRET), trace.toString());
    assertFalse(trace.toString().contains("AccountKey"), trace.toString());
  }

  @Test
  void theColdReadBoundAndTheAlertTimeHaveDefaultsAndLimits() {
    CloudConfig d = CloudConfig.defaults();
    assertEquals(Duration.ofSeconds(10), d.coldReadTimeout());
    assertEquals(Duration.ofMinutes(5), d.alertAfter());
    CloudConfig c = d.with("coldreadtimeout", "3s").with("cloudalertafter", "90s");
    assertEquals(Duration.ofSeconds(3), c.coldReadTimeout());
    assertEquals(Duration.ofSeconds(90), c.alertAfter());
    // Past Linux's 30 s command timeout the initiator would abort first: refused.
    assertThrows(IllegalArgumentException.class, () -> d.with("coldreadtimeout", "30s"));
    assertThrows(IllegalArgumentException.class, () -> d.with("coldreadtimeout", "0s"));
    assertThrows(IllegalArgumentException.class, () -> d.with("cloudalertafter", "0s"));
  }
}
