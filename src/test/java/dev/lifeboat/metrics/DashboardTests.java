package dev.lifeboat.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.base.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * grafana/dashboards/lifeboat.json: every panel's PromQL parses (promtool checks it as a recording
 * rule) and every lifeboat_ metric it uses is one Lifeboat exports ({@link MetricCatalogue}).
 */
class DashboardTests {

  static final Path DASHBOARD = Path.of("grafana/dashboards/lifeboat.json");

  @TempDir Path dir;

  record Query(String panel, String expr) {}

  static List<Query> queries() throws Exception {
    JsonNode root = Json.mapper().readTree(Files.readString(DASHBOARD));
    List<Query> result = new ArrayList<>();
    for (JsonNode panel : root.get("panels")) {
      for (JsonNode target : panel.get("targets")) {
        result.add(new Query(panel.get("title").asString(), target.get("expr").asString()));
      }
    }
    return result;
  }

  @Test
  void everyMetricAPanelUsesIsOneLifeboatExports() throws Exception {
    Set<String> used = new LinkedHashSet<>();
    for (Query q : queries()) {
      Matcher m = Pattern.compile("(?<![:\\w])(lifeboat_[a-z_]+)").matcher(q.expr());
      boolean any = false;
      while (m.find()) {
        assertThat(MetricCatalogue.owner(m.group(1))).as(q.panel() + ": " + m.group(1)).isNotNull();
        used.add(MetricCatalogue.owner(m.group(1)));
        any = true;
      }
      assertThat(any).as(q.panel() + " uses a Lifeboat metric").isTrue();
    }
    // the panels the issue asks for
    assertThat(used)
        .contains(
            "lifeboat_backup_last_success_timestamp_seconds",
            "lifeboat_backup_verified_last_success_timestamp_seconds",
            "lifeboat_backup_duration_seconds",
            "lifeboat_backup_size_bytes",
            "lifeboat_job_runs_total",
            "lifeboat_drill_restore_seconds",
            "lifeboat_store_reachable",
            "lifeboat_store_free_bytes",
            "lifeboat_data_migration_progress_ratio",
            "lifeboat_wal_slot_retained_bytes",
            "lifeboat_wal_slot_status",
            "lifeboat_wal_archive_lag_seconds",
            "lifeboat_wal_receiver_state",
            "lifeboat_wal_store_backlog_segments",
            "lifeboat_wal_spool_bytes",
            "lifeboat_wal_spool_max_bytes");
  }

  @Test
  void everyPanelQueryParses() throws Exception {
    StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
    int i = 0;
    for (Query q : queries()) {
      String expr = q.expr().replace("$target", ".*");
      rules
          .append("      - record: dashboard_panel_")
          .append(i++)
          .append("\n        expr: ")
          .append(Json.write(expr))
          .append("\n");
    }
    Path file = dir.resolve("dashboard-rules.yml");
    Files.writeString(file, rules.toString());
    Process p =
        new ProcessBuilder(AlertRulesTests.PROMTOOL.toString(), "check", "rules", file.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out).contains("SUCCESS: " + i + " rules found");
  }

  @Test
  void provisioningPointsGrafanaAtTheDashboardAndPrometheus() throws Exception {
    assertThat(Files.readString(Path.of("grafana/provisioning/datasources/prometheus.yml")))
        .contains("uid: prometheus")
        .contains("url: http://prometheus:9090");
    assertThat(Files.readString(Path.of("grafana/provisioning/dashboards/lifeboat.yml")))
        .contains("path: /var/lib/grafana/dashboards");
    JsonNode root = Json.mapper().readTree(Files.readString(DASHBOARD));
    for (JsonNode panel : root.get("panels")) {
      assertThat(panel.get("datasource").get("uid").asString()).isEqualTo("prometheus");
    }
  }
}
