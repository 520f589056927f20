package io.tiergate.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The documentation promises no restore from the cloud while the appliance has no way to do
 * one: no cmdlet restores a volume from the cloud ({@code Restore-Volume} goes back to a local
 * snapshot), so no README or doc may say that a fresh appliance brings volumes back or finds
 * every pack. When disaster recovery lands with its cmdlet, this test
 * fails and goes, and the promise may come back.
 */
class RestorePromiseTest {
  private static final List<String> PROMISES = List.of("bring every volume back",
      "brings every volume back", "can find every pack", "rebuilds itself");

  @Test
  void noDocumentPromisesARestoreThatDoesNotExist() throws Exception {
    for (String name : List.of("Restore-Appliance", "Import-Volume")) {
      assertNull(Cmdlets.find(name), name + " exists: revisit the documentation's promises");
    }
    // Restore-Volume goes back to a local snapshot only: nothing of it reads the cloud.
    Cmdlets.Cmdlet restore = Cmdlets.find("Restore-Volume");
    assertNull(restore.param("cloud"), "Restore-Volume restores from the cloud: revisit the "
        + "documentation's promises");
    Path root = Path.of("..").toAbsolutePath().normalize();
    assertTrue(Files.isRegularFile(root.resolve("README.md")), root.toString());
    List<Path> docs;
    try (Stream<Path> s = Files.list(root.resolve("docs"))) {
      docs = Stream.concat(Stream.of(root.resolve("README.md"),
          root.resolve("gateway/README.md"), root.resolve(
              "tiering/src/main/java/io/tiergate/tiering/meta/package-info.java")),
          s.filter(p -> p.toString().endsWith(".md"))).toList();
    }
    for (Path p : docs) {
      String text = Files.readString(p).replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
      for (String promise : PROMISES) {
        assertFalse(text.contains(promise), p + " promises: " + promise);
      }
    }
    String readme = Files.readString(root.resolve("README.md")).replaceAll("\\s+", " ");
    assertTrue(readme.contains("there is no restore command from the cloud yet"),
        "README says what is true");
  }
}
