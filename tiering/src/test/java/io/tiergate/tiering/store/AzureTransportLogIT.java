package io.tiergate.tiering.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tiergate.tiering.testing.Azurite;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A run of cold-read-shaped requests (ranged GETs, after a put and a listing) logs nothing
 * about the SDK's restricted {@code Content-Length} header. The build's tests run with that
 * header allowed on the command line; the test takes the setting away first, as a gateway
 * started without it has it, and captures the log (standard error, where it goes).
 */
class AzureTransportLogIT {
  @TempDir
  Path dir;

  @Test
  void coldReadsLogNoRestrictedHeaderWarning() throws Exception {
    String was = System.getProperty(AzureBlobObjectStore.ALLOW_RESTRICTED_HEADERS);
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    try (Azurite azurite = new Azurite(dir.resolve("azurite")).start()) {
      System.clearProperty(AzureBlobObjectStore.ALLOW_RESTRICTED_HEADERS);
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      byte[] pack = new byte[1 << 20];
      new Random(4).nextBytes(pack);
      try (AzureBlobObjectStore store = AzureBlobObjectStore.builder()
          .connectionString(azurite.connectionString()).container("transport-log").build()) {
        store.putIfAbsent("packs/ab/0123", pack);
        store.list("packs/");
        for (int i = 0; i < 50; i++) {
          byte[] got = store.getRange("packs/ab/0123", i * 4096L, 4096);
          assertArrayEquals(java.util.Arrays.copyOfRange(pack, i * 4096, i * 4096 + 4096), got);
        }
        store.delete(List.of("packs/ab/0123"));
      }
      // The capture sees warnings (else the check below could not fail).
      LoggerFactory.getLogger(AzureTransportLogIT.class).warn("capture check");
    } finally {
      System.setErr(err);
      if (was != null) {
        System.setProperty(AzureBlobObjectStore.ALLOW_RESTRICTED_HEADERS, was);
      }
    }
    String log = captured.toString(StandardCharsets.UTF_8);
    assertTrue(log.contains("capture check"), log);
    assertFalse(log.toLowerCase(java.util.Locale.ROOT).contains("restricted"), log);
  }
}
