package io.tiergate.appliance;

import static io.tiergate.appliance.Commands.run;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's promtool accepts the shipped alert rules and scrape job, and the rules fire on the
 * series they are written for (src/test/resources/tiergate-rules.test.yml).
 */
class PrometheusRulesIT {
  @TempDir
  Path tmp;

  @Test
  void promtoolChecksAndTestsTheRules() throws Exception {
    Path rules = Files.copy(Path.of("ops/prometheus/tiergate-rules.yml"),
        tmp.resolve("tiergate-rules.yml"));
    String checked = run("promtool", "check", "rules", rules.toString());
    assertTrue(checked.contains("SUCCESS: 9 rules found"), checked);
    Path tests = Files.copy(Path.of("src/test/resources/tiergate-rules.test.yml"),
        tmp.resolve("tiergate-rules.test.yml"), StandardCopyOption.REPLACE_EXISTING);
    run("promtool", "test", "rules", tests.toString());
  }

  @Test
  void promtoolAcceptsTheScrapeJobInAPrometheusConfig() throws Exception {
    // The job as an administrator would paste it, with its token and CA files present.
    String job = Files.readString(Path.of("ops/prometheus/tiergate-scrape.yml"))
        .replace("/etc/prometheus/tiergate-token", tmp.resolve("token").toString())
        .replace("/etc/prometheus/tiergate-ca.crt", tmp.resolve("ca.crt").toString());
    Files.writeString(tmp.resolve("token"), "tg_readonly_token\n");
    Files.writeString(tmp.resolve("ca.crt"), "");
    Files.copy(Path.of("ops/prometheus/tiergate-rules.yml"), tmp.resolve("tiergate-rules.yml"));
    Path config = Files.writeString(tmp.resolve("prometheus.yml"),
        "rule_files:\n  - tiergate-rules.yml\n" + job);
    String checked = run("promtool", "check", "config", config.toString());
    assertTrue(checked.contains("SUCCESS"), checked);
  }
}
