package io.tiergate.gateway.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

/** The invariant check every engine test ends with: the on-disk state is consistent. */
final class Invariants {
  private Invariants() {}

  static void assertHold(BlockEngine engine) {
    List<String> problems = EngineVerifier.verify(engine, true);
    assertEquals(List.of(), problems, "engine invariants");
  }
}
