package dev.lifeboat.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** config/prometheus/alerts.yml: checked and unit-tested by the real {@code promtool}. */
class AlertRulesTests {

  static final Path PROMTOOL = Path.of("/usr/bin/promtool");
  static final Path DIR = Path.of("config/prometheus");

  static final List<String> ALERTS =
      List.of(
          "BackupMissing",
          "BackupPartial",
          "JobFailed",
          "DrillOverdue",
          "DrillFailed",
          "StoreUnreachable",
          "StoreLowDisk",
          "BackupVerifiedTooOld",
          "DaemonDown",
          "DataMigrationStalled",
          "ReplicationSlotRetainingWal",
          "WalArchivingStopped",
          "WalSpoolFilling",
          "WalChainBroken");

  @Test
  void promtoolPassesEveryRuleTestFiringAndNotFiring() throws Exception {
    String out = promtool("test", "rules", "alerts.test.yml", "alerts.days.test.yml");
    System.out.println(out);
    assertThat(out).contains("SUCCESS").doesNotContain("FAILED");
  }

  @Test
  void promtoolAcceptsTheRules() throws Exception {
    assertThat(promtool("check", "rules", "alerts.yml")).contains("SUCCESS");
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyAlertHasSummaryDescriptionSeverityAndARunbookSectionThatExists() throws IOException {
    String runbook = Files.readString(Path.of("docs/runbook.md"));
    List<String> seen = new ArrayList<>();
    Map<String, Object> doc = new Yaml().load(Files.readString(DIR.resolve("alerts.yml")));
    for (Map<String, Object> group : (List<Map<String, Object>>) doc.get("groups")) {
      for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
        if (!rule.containsKey("alert")) {
          continue;
        }
        String name = (String) rule.get("alert");
        seen.add(name);
        Map<String, String> annotations = (Map<String, String>) rule.get("annotations");
        Map<String, String> labels = (Map<String, String>) rule.get("labels");
        assertThat(annotations).as(name).containsKeys("summary", "description", "runbook_url");
        assertThat(labels.get("severity")).as(name).isIn("critical", "warning");
        String url = annotations.get("runbook_url");
        assertThat(url).as(name).isEqualTo("docs/runbook.md#" + name.toLowerCase());
        assertThat(runbook).as(name).contains("\n## " + name + "\n");
      }
    }
    assertThat(seen).containsAll(ALERTS);
  }

  @Test
  void everyMetricTheRulesUseIsOneLifeboatExports() throws IOException {
    Matcher m =
        Pattern.compile("(?<![:\\w])(lifeboat_[a-z_]+)")
            .matcher(Files.readString(DIR.resolve("alerts.yml")));
    int found = 0;
    while (m.find()) {
      assertThat(MetricCatalogue.owner(m.group(1))).as(m.group(1)).isNotNull();
      found++;
    }
    assertThat(found).isGreaterThan(10);
  }

  static String promtool(String... args) throws IOException, InterruptedException {
    assertThat(PROMTOOL)
        .as("promtool (Debian package prometheus; .ci/run installs it)")
        .isExecutable();
    List<String> command = new ArrayList<>(List.of(PROMTOOL.toString()));
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command).directory(DIR.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }
}
