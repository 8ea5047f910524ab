package dev.lifeboat.schedule;

import static dev.lifeboat.schedule.ServeIntegrationTests.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.LifeboatCli.Running;
import dev.lifeboat.testing.PostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code lifeboat serve}'s schedules through the real jar: a seconds-level schedule fires backups
 * recorded once each, a firing while a typed backup runs is skipped, bad schedules are refused.
 * (Split from {@link ServeIntegrationTests} so the two run in parallel forks; the helpers are that
 * class's.)
 */
class ServeSchedulesIntegrationTests {

  static PgConnection db;

  @TempDir Path dir;

  @BeforeAll
  static void database() {
    db = PostgresServer.shared().createExampleDatabase("serve_schedules_it", 1);
  }

  Fixture fixture() throws Exception {
    return new Fixture(dir).filesystem("local", dir.resolve("store"));
  }

  @Test
  void aSecondsLevelScheduleFiresBackupsThatAreListedAndRecordedOnceEach() throws Exception {
    Fixture fx = fixture().yaml("  schedules:\n    backup: { cron: \"0/5 * * * * ?\" }");
    Path config = fx.write(db, "app");
    LifeboatCli cli = fx.cli();

    Running serve = serve(cli, config, "node-a", PostgresServer.freePort());
    await(
        "two scheduled backups",
        Duration.ofSeconds(60),
        () -> count(serve.stderrSoFar(), "finished backup of target 'app': success") >= 2);
    String log = serve.stderrSoFar();
    Duration stop = terminate(serve);

    assertThat(log)
        .contains("schedule backup of target 'app': \"0/5 * * * * ?\" UTC")
        .contains("fired backup of target 'app' (schedule lifeboat.schedules.backup")
        .contains("started backup of target 'app'")
        .doesNotContain("Exception");
    assertThat(stop).isLessThan(Duration.ofSeconds(30));
    List<JsonNode> backups =
        list(json(cli.run("--config", config.toString(), "backups", "--json")));
    assertThat(backups.size()).isGreaterThanOrEqualTo(2);
    List<JsonNode> history =
        list(json(cli.run("--config", config.toString(), "history", "--json")));
    for (JsonNode b : backups) {
      List<JsonNode> runs =
          history.stream()
              .filter(h -> b.get("id").asString().equals(h.get("result").asString()))
              .toList();
      assertThat(runs).as(b.get("id").asString()).hasSize(1);
      assertThat(runs.get(0).get("trigger").asString()).isEqualTo("schedule");
      assertThat(runs.get(0).get("node").asString()).isEqualTo("node-a");
      assertThat(runs.get(0).get("outcome").asString()).isEqualTo("success");
    }
  }

  @Test
  void aFiringWhileATypedBackupRunsIsSkippedNotFailedAndNothingOverlaps() throws Exception {
    PgConnection target = PostgresServer.shared().createExampleDatabase("serve_skip", 1);
    Fixture fx = fixture().yaml("  schedules:\n    backup: { cron: \"0/3 * * * * ?\" }");
    Path config = fx.write(target, "app");
    LifeboatCli cli = fx.cli();
    int port = PostgresServer.freePort();
    Running serve;
    Running typed;
    try (Connection lock = target.open()) {
      lock.setAutoCommit(false);
      try (Statement st = lock.createStatement()) {
        st.execute("LOCK TABLE public.accounts IN ACCESS EXCLUSIVE MODE");
      }
      typed = cli.start("--config", config.toString(), "backup");
      await(
          "the typed backup to hold the target",
          Duration.ofSeconds(60),
          () -> {
            try (Connection c = target.open();
                Statement st = c.createStatement();
                ResultSet rs =
                    st.executeQuery(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")) {
              rs.next();
              return rs.getInt(1) > 0;
            } catch (java.sql.SQLException e) {
              return false;
            }
          });
      serve = serve(cli, config, "node-a", port);
      Running daemon = serve;
      await(
          "a skipped firing",
          Duration.ofSeconds(60),
          () -> daemon.stderrSoFar().contains("skipped backup of target 'app'"));
      lock.commit();
    }
    Result typedResult = typed.await(Duration.ofMinutes(2));
    String metrics = get(port, "/actuator/prometheus").body();
    String log = serve.stderrSoFar();
    terminate(serve);

    assertThat(typedResult.exitCode()).as(typedResult.toString()).isZero();
    assertThat(log)
        .contains("skipped backup of target 'app': another backup of target 'app' is running");
    assertThat(metrics)
        .contains("lifeboat_job_runs_total{job=\"backup\",outcome=\"skipped\",target=\"app\"}");
    List<JsonNode> runs = list(json(cli.run("--config", config.toString(), "history", "--json")));
    assertThat(runs)
        .anyMatch(
            r ->
                r.get("outcome").asString().equals("skipped")
                    && r.get("trigger").asString().equals("schedule"));
    assertThat(runs).noneMatch(r -> r.get("outcome").asString().equals("failed"));
    assertThat(runs)
        .anyMatch(
            r ->
                r.get("outcome").asString().equals("success")
                    && r.get("trigger").asString().equals("cli"));
  }

  @Test
  void badSchedulesAreRefusedNamingTheKeyAndARemovedScheduleNoLongerFires() throws Exception {
    Fixture bad = fixture().yaml("  schedules:\n    backup: { cron: \"0 0 25 * * ?\" }");
    Path badCron = bad.write(db, "app");
    Result cron = bad.cli().run("--config", badCron.toString(), "serve", port());
    assertThat(cron.exitCode()).as(cron.toString()).isEqualTo(2);
    assertThat(cron.stderr())
        .contains("lifeboat.schedules.backup.cron: '0 0 25 * * ?' is not a Quartz cron expression")
        .doesNotContain("Exception:");
    Result typed = bad.cli().run("--config", badCron.toString(), "backups");
    assertThat(typed.exitCode()).as("the whole file is checked, whatever the command").isEqualTo(2);

    // a valid cron that can never fire: refused when the file loads, not by Quartz once serving
    Fixture never = new Fixture(dir).filesystem("local", dir.resolve("store"));
    never.targetYaml("app", "      schedules:\n        backup: { cron: \"0 0 2 31 2 ?\" }");
    Path neverConfig = never.write(db, "app");
    Result neverFires = never.cli().run("--config", neverConfig.toString(), "serve", port());
    assertThat(neverFires.exitCode()).as(neverFires.toString()).isEqualTo(2);
    assertThat(neverFires.stderr().strip())
        .startsWith(
            "lifeboat: lifeboat.targets.app.schedules.backup.cron: '0 0 2 31 2 ?' never fires:")
        .doesNotContain("Exception")
        .hasLineCount(1);

    Fixture zone = new Fixture(dir).filesystem("local", dir.resolve("store"));
    zone.yaml("  schedules:\n    backup: { cron: \"0 0 2 * * ?\", zone: Mars/Olympus }");
    Path zoneConfig = zone.write(db, "app");
    Result badZone = zone.cli().run("--config", zoneConfig.toString(), "serve", port());
    assertThat(badZone.exitCode()).isEqualTo(2);
    assertThat(badZone.stderr()).contains("lifeboat.schedules.backup.zone: 'Mars/Olympus'");

    Fixture job = new Fixture(dir).filesystem("local", dir.resolve("store"));
    job.yaml("  schedules:\n    vacuum: { cron: \"0 0 2 * * ?\" }");
    Path jobConfig = job.write(db, "app");
    Result unknownJob = job.cli().run("--config", jobConfig.toString(), "serve", port());
    assertThat(unknownJob.exitCode()).isEqualTo(2);
    assertThat(unknownJob.stderr())
        .contains("lifeboat.schedules.vacuum: there is no job named 'vacuum'");

    Fixture target = new Fixture(dir).filesystem("local", dir.resolve("store"));
    target.yaml("  schedules:\n    backup: { cron: \"0 0 2 * * ?\", targets: [app, billing] }");
    Path targetConfig = target.write(db, "app");
    Result unknownTarget = target.cli().run("--config", targetConfig.toString(), "serve", port());
    assertThat(unknownTarget.exitCode()).isEqualTo(2);
    assertThat(unknownTarget.stderr())
        .contains("lifeboat.schedules.backup.targets: no target named 'billing'");

    // a schedule taken out of the configuration is taken out of the job store at the next start
    Fixture fx = fixture().yaml("  schedules:\n    backup: { cron: \"0/3 * * * * ?\" }");
    Path withSchedule = fx.write(db, "app");
    LifeboatCli cli = fx.cli();
    Running first = serve(cli, withSchedule, "node-a", PostgresServer.freePort());
    await(
        "the schedule in place",
        Duration.ofSeconds(60),
        () -> first.stderrSoFar().contains("added schedule backup.app"));
    terminate(first);
    Fixture none = new Fixture(dir).filesystem("local", dir.resolve("store"));
    Path without = none.write(db, "app");
    int before = list(json(cli.run("--config", without.toString(), "backups", "--json"))).size();
    Running second = serve(cli, without, "node-a", PostgresServer.freePort());
    await(
        "the removal",
        Duration.ofSeconds(60),
        () ->
            second
                .stderrSoFar()
                .contains("removed schedule backup.app (configured on no running node)"));
    Thread.sleep(8000);
    String log = second.stderrSoFar();
    terminate(second);
    assertThat(log).doesNotContain("fired backup");
    assertThat(list(json(cli.run("--config", without.toString(), "backups", "--json"))))
        .hasSize(before);
  }
}
