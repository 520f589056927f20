package io.tiergate.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every meter has help text in the scrape and a line in the README's metrics table. */
class MeterDocumentationTest {

  @Test
  void everyMeterIsDocumentedInTheReadmeAndHasHelp() throws Exception {
    Path readme = Path.of("..", "README.md");
    String doc = Files.readString(readme);
    GatewayStats stats = new GatewayStats(new ApplianceGauges() {
      @Override
      public int sessions() {
        return 0;
      }

      @Override
      public io.tiergate.gateway.engine.SpaceUsage usage() {
        return new io.tiergate.gateway.engine.SpaceUsage(0, 0, 0, 0, 0, 0);
      }

      @Override
      public double usedPercent() {
        return 0;
      }

      @Override
      public int snapshots(String volume) {
        return 0;
      }
    });
    stats.volume("v1");
    String scrape = stats.scrape();
    for (Map.Entry<String, String> e : GatewayStats.HELP.entrySet()) {
      String prom = e.getKey().replace('.', '_');
      assertTrue(doc.contains("`" + prom), "README does not document " + prom);
      assertTrue(scrape.contains(e.getValue()), "no help text for " + prom + " in\n" + scrape);
    }
  }
}
