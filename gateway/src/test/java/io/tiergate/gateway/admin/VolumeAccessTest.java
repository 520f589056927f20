package io.tiergate.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A missing or unreadable access record locks the volume; it never opens it. */
class VolumeAccessTest {
  @TempDir
  Path dir;

  @Test
  void aVolumeWithoutARecordIsLockedAndAnOpenOneSaysSo() {
    VolumeAccess va = new VolumeAccess(dir.resolve("volume-access.json"));
    assertTrue(va.get("never-set").locked());
    va.put("open", VolumeAccess.Access.OPEN);
    va.put("closed", new VolumeAccess.Access(List.of("iqn.1994-05.com.redhat:a"),
        new VolumeAccess.Chap("u", "twelve-chars", null, null)));
    VolumeAccess again = new VolumeAccess(dir.resolve("volume-access.json"));
    assertFalse(again.get("open").locked());
    assertNull(again.get("open").chap());
    assertEquals("u", again.get("closed").chap().user());
    assertTrue(again.get("never-set").locked());
    assertThrows(IllegalArgumentException.class,
        () -> again.put("x", VolumeAccess.Access.LOCKED));
  }

  @Test
  void anOlderDirectoryKeepsItsOpenVolumesOpenOnceAndThenAMissingRecordLocks() throws Exception {
    Path file = dir.resolve("volume-access.json");
    // As the build before explicit records left it: "closed" set, "old" never set (served open).
    Files.writeString(file, "{\"closed\":{\"acl\":[],\"chap\":{\"user\":\"u\","
        + "\"secret\":\"twelve-chars\"}}}");
    VolumeAccess va = new VolumeAccess(file);
    va.put("made-offline", VolumeAccess.Access.OPEN);
    assertFalse(Files.readString(file).contains(VolumeAccess.FORMAT_KEY),
        "a save before adoption keeps the older format");
    assertEquals(List.of("old"), va.adoptUnrecorded(List.of("closed", "old", "made-offline")));
    assertFalse(va.get("old").locked());
    assertEquals("u", va.get("closed").chap().user());
    VolumeAccess again = new VolumeAccess(file);
    assertFalse(again.get("old").locked());
    assertEquals(List.of(), again.adoptUnrecorded(List.of("old", "later")),
        "adoption happens once");
    assertTrue(again.get("later").locked());

    Path none = dir.resolve("fresh.json");
    VolumeAccess fresh = new VolumeAccess(none);
    assertEquals(List.of("a", "b"), fresh.adoptUnrecorded(List.of("b", "a")));
    assertTrue(Files.readString(none).contains(VolumeAccess.FORMAT_KEY));
    assertTrue(new VolumeAccess(none).get("c").locked());
  }

  @Test
  void aDamagedFileLocksEveryVolumeAndIsKeptAside() throws Exception {
    Path file = dir.resolve("volume-access.json");
    Files.writeString(file, "{\"vol\":{\"acl\":[],\"chap\":{\"user\":\"u\",\"secret\":\"tw");
    VolumeAccess va = new VolumeAccess(file);
    assertTrue(va.get("vol").locked(), "a damaged file must not open its volumes");
    assertEquals(java.util.Set.of("*"), va.unreadable());
    try (Stream<Path> s = Files.list(dir)) {
      assertTrue(s.anyMatch(p -> p.getFileName().toString()
          .startsWith("volume-access.json.damaged-")));
    }
  }

  @Test
  void anUnreadableRecordLocksOnlyItsVolume() throws Exception {
    Path file = dir.resolve("volume-access.json");
    // "a": CHAP without its secret (the open fallback once made this an open volume);
    // "b": no acl at all; "c": fine and open.
    Files.writeString(file, "{\"a\":{\"acl\":[],\"chap\":{\"user\":\"u\"}},\"b\":{},"
        + "\"c\":{\"acl\":[]}}");
    VolumeAccess va = new VolumeAccess(file);
    assertTrue(va.get("a").locked());
    assertTrue(va.get("b").locked());
    assertFalse(va.get("c").locked());
    assertEquals(java.util.Set.of("a", "b"), va.unreadable());
  }
}
