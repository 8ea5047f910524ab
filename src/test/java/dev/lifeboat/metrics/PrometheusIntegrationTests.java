package dev.lifeboat.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.base.Json;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Running;
import dev.lifeboat.testing.PostgresServer;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A real Prometheus server (Debian's {@code /usr/bin/prometheus}) scraping a running {@code serve}
 * with {@code config/prometheus/alerts.yml}: the scheduled backup's metrics arrive with their
 * labels, BackupMissing stays inactive; once the schedule no longer fires and the threshold is
 * shortened in the rules, BackupMissing goes pending, then firing.
 */
class PrometheusIntegrationTests {

  static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
  static final Path OUT = Path.of("target/prometheus-it");

  @TempDir Path dir;
  private Process prometheus;
  private Running serve;

  @AfterEach
  void stop() throws InterruptedException {
    if (serve != null) {
      serve.process().destroy();
      serve.process().waitFor(40, TimeUnit.SECONDS);
    }
    if (prometheus != null) {
      prometheus.destroy();
      prometheus.waitFor(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void prometheusSeesTheScheduledBackupAndBackupMissingFiresWhenTheScheduleStops()
      throws Exception {
    assertThat(PROMETHEUS).as("Debian package prometheus (.ci/run installs it)").isExecutable();
    Files.createDirectories(OUT);
    PgConnection db = PostgresServer.shared().createExampleDatabase("prometheus_it", 1);
    Fixture fx =
        new Fixture(dir)
            .filesystem("local", dir.resolve("store"))
            .yaml("  schedules:\n    backup: { cron: \"0/10 * * * * ?\" }");
    Path config = fx.write(db, "app");
    LifeboatCli cli = fx.cli();
    int port = PostgresServer.freePort();
    serve = serve(cli, config, port);
    await(
        "a scheduled backup",
        Duration.ofSeconds(90),
        () -> serve.stderrSoFar().contains("finished backup of target 'app': success"));
    await(
        "the first store probe",
        Duration.ofSeconds(30),
        () ->
            get("http://127.0.0.1:" + port + "/actuator/prometheus")
                .contains("lifeboat_store_reachable"));
    String scrape = get("http://127.0.0.1:" + port + "/actuator/prometheus");
    String lifeboatLines =
        scrape.lines().filter(l -> l.startsWith("lifeboat_")).collect(Collectors.joining("\n"));
    Files.writeString(OUT.resolve("scrape.txt"), lifeboatLines + "\n");
    assertThat(scrape)
        .contains("lifeboat_backup_last_success_timestamp_seconds{target=\"app\"}")
        .contains(
            "lifeboat_backup_last_attempt_timestamp_seconds{outcome=\"success\",target=\"app\"}")
        .contains("lifeboat_job_running{job=\"backup\",target=\"app\"} 0")
        .contains("lifeboat_store_reachable{store=\"local\"} 1")
        .contains("lifeboat_schedule_next_fire_timestamp_seconds{job=\"backup\",target=\"app\"}")
        .contains("lifeboat_schedule_interval_seconds{job=\"backup\",target=\"app\"} 10")
        .contains("lifeboat_job_duration_seconds_bucket{job=\"backup\",outcome=\"success\"");

    // a real Prometheus with the shipped rules, scraping every second
    Path rules = dir.resolve("alerts.yml");
    Files.copy(Path.of("config/prometheus/alerts.yml"), rules);
    int promPort = PostgresServer.freePort();
    Path promConfig = dir.resolve("prometheus.yml");
    Files.writeString(
        promConfig,
        """
        global: { scrape_interval: 1s, evaluation_interval: 1s }
        rule_files: [ "%s" ]
        scrape_configs:
          - job_name: lifeboat
            honor_labels: true
            metrics_path: /actuator/prometheus
            static_configs: [ { targets: [ "127.0.0.1:%d" ] } ]
        """
            .formatted(rules, port));
    prometheus =
        new ProcessBuilder(
                PROMETHEUS.toString(),
                "--config.file=" + promConfig,
                "--storage.tsdb.path=" + dir.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + promPort,
                "--web.enable-lifecycle")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    String api = "http://127.0.0.1:" + promPort;
    await(
        "Prometheus to scrape the backup's metrics",
        Duration.ofSeconds(60),
        () -> !result(query(api, "lifeboat_backup_last_success_timestamp_seconds")).isEmpty());

    JsonNode success =
        result(
            query(
                api, "lifeboat_job_runs_total{job=\"backup\",target=\"app\",outcome=\"success\"}"));
    assertThat(success).hasSize(1);
    assertThat(success.get(0).get("metric").get("job").asString()).isEqualTo("backup");
    assertThat(
            result(query(api, "lifeboat_store_reachable{store=\"local\"}"))
                .get(0)
                .get("value")
                .get(1)
                .asString())
        .isEqualTo("1");
    assertThat(result(query(api, "up{job=\"lifeboat\"}")).get(0).get("value").get(1).asString())
        .isEqualTo("1");
    double age =
        Double.parseDouble(
            result(
                    query(
                        api,
                        "time() - lifeboat_backup_last_success_timestamp_seconds{target=\"app\"}"))
                .get(0)
                .get("value")
                .get(1)
                .asString());
    assertThat(age).isBetween(0.0, 60.0);
    await(
        "the rules to be evaluated",
        Duration.ofSeconds(30),
        () -> ruleState(api, "BackupMissing") != null);
    assertThat(ruleState(api, "BackupMissing")).isEqualTo("inactive");
    assertThat(ruleState(api, "JobFailed")).isEqualTo("inactive");

    // the schedule stops: the daemon restarts with a daily one (the last success is read back)
    serve.process().destroy();
    assertThat(serve.process().waitFor(40, TimeUnit.SECONDS)).isTrue();
    fx.extra.clear();
    fx.yaml("  schedules:\n    backup: { cron: \"0 0 3 * * ?\" }");
    Path daily = fx.write(db, "app");
    serve = serve(cli, daily, port);
    await(
        "the restarted daemon's read-back",
        Duration.ofSeconds(60),
        () -> {
          String s = get("http://127.0.0.1:" + port + "/actuator/prometheus");
          return s.contains("lifeboat_backup_last_success_timestamp_seconds{target=\"app\"}")
              && s.contains(
                  "lifeboat_schedule_interval_seconds{job=\"backup\",target=\"app\"} 86400");
        });
    Files.writeString(
        OUT.resolve("scrape-after-restart.txt"),
        get("http://127.0.0.1:" + port + "/actuator/prometheus")
                .lines()
                .filter(l -> l.startsWith("lifeboat_backup"))
                .collect(Collectors.joining("\n"))
            + "\n");

    // ...and the threshold is shortened in the rules: 20 s instead of interval + 1 h, 5 s for
    String shipped = Files.readString(rules);
    String shortened =
        shipped
            .replace(
                "expr: max by (target) (lifeboat_schedule_interval_seconds{job=\"backup\"}) + 3600",
                "expr: max by (target) (lifeboat_schedule_interval_seconds{job=\"backup\"}) * 0 + 20")
            .replaceFirst("for: 15m", "for: 5s");
    assertThat(shortened).isNotEqualTo(shipped).contains("* 0 + 20").contains("for: 5s");
    Files.writeString(rules, shortened);
    HttpResponse<String> reload =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(api + "/-/reload"))
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(reload.statusCode()).as(reload.body()).isEqualTo(200);

    await(
        "BackupMissing pending",
        Duration.ofSeconds(90),
        () ->
            List.of("pending", "firing").contains(String.valueOf(ruleState(api, "BackupMissing"))));
    await(
        "BackupMissing firing",
        Duration.ofSeconds(60),
        () -> "firing".equals(ruleState(api, "BackupMissing")));
    String alerts = get(api + "/api/v1/alerts");
    Files.writeString(OUT.resolve("alerts.json"), alerts + "\n");
    JsonNode firing = null;
    for (JsonNode a : Json.mapper().readTree(alerts).get("data").get("alerts")) {
      if (a.get("labels").get("alertname").asString().equals("BackupMissing")) {
        firing = a;
      }
    }
    assertThat(firing).isNotNull();
    assertThat(firing.get("state").asString()).isEqualTo("firing");
    assertThat(firing.get("labels").get("target").asString()).isEqualTo("app");
    assertThat(firing.get("labels").get("severity").asString()).isEqualTo("critical");
    assertThat(firing.get("annotations").get("runbook_url").asString())
        .isEqualTo("docs/runbook.md#backupmissing");
    // the daemon is up all along: only the age of the last success made it fire
    assertThat(ruleState(api, "DaemonDown")).isEqualTo("inactive");
  }

  private static Running serve(LifeboatCli cli, Path config, int port) {
    return current =
        cli.start(
            "--config",
            config.toString(),
            "serve",
            "--lifeboat.http.port=" + port,
            "--lifeboat.metrics.probe-interval=1s");
  }

  /**
   * The state of an alerting rule (inactive, pending, firing); null before its first evaluation.
   */
  private static String ruleState(String api, String alert) {
    JsonNode groups =
        Json.mapper().readTree(get(api + "/api/v1/rules?type=alert")).get("data").get("groups");
    String state = null;
    for (JsonNode g : groups) {
      for (JsonNode r : g.get("rules")) {
        if (r.get("name").asString().equals(alert)
            && r.has("lastEvaluation")
            && !r.get("lastEvaluation").asString().startsWith("0001")) {
          state = r.get("state").asString();
        }
      }
    }
    return state;
  }

  private static String query(String api, String promql) {
    return get(api + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
  }

  private static JsonNode result(String answer) {
    JsonNode root = Json.mapper().readTree(answer);
    assertThat(root.get("status").asString()).as(answer).isEqualTo("success");
    return root.get("data").get("result");
  }

  private static String get(String url) {
    try {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  private static Running current;

  /** A condition that cannot be checked yet (the server not answering) is not met yet. */
  private static Boolean quietly(Supplier<Boolean> condition) {
    try {
      return condition.get();
    } catch (RuntimeException | AssertionError e) {
      return false;
    }
  }

  private static void await(String what, Duration timeout, Supplier<Boolean> condition)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (!Boolean.TRUE.equals(quietly(condition))) {
      if (Instant.now().isAfter(deadline) || current != null && !current.process().isAlive()) {
        throw new AssertionError(
            "timed out waiting for "
                + what
                + "; serve said:\n"
                + (current == null ? "" : current.stderrSoFar()));
      }
      Thread.sleep(500);
    }
  }
}
