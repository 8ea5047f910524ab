package dev.lifeboat.schedule;

import static dev.lifeboat.schedule.ServeIntegrationTests.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Running;
import dev.lifeboat.testing.PostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code lifeboat serve} as a cluster and through failures, through the real jar: two nodes on one
 * PostgreSQL control database, a node killed mid-backup, every node down over scheduled slots, and
 * SIGTERM during a backup. (Split from {@link ServeIntegrationTests} so the two run in parallel
 * forks; the helpers are that class's.)
 */
class ServeClusterIntegrationTests {

  static PgConnection db;

  @TempDir Path dir;

  @BeforeAll
  static void database() {
    db = PostgresServer.shared().createExampleDatabase("serve_cluster_it", 1);
  }

  Fixture fixture() throws Exception {
    return new Fixture(dir).filesystem("local", dir.resolve("store"));
  }

  /**
   * Pauses (or resumes) a schedule for the whole cluster, in the job store itself: no node acquires
   * a paused trigger, and a firing already acquired is dropped. Quartz's own pause does the same.
   */
  static void setTrigger(PgConnection control, String name, boolean paused) throws Exception {
    try (Connection c = control.open();
        Statement st = c.createStatement()) {
      st.executeUpdate(
          "UPDATE qrtz_triggers SET trigger_state = '"
              + (paused ? "PAUSED" : "WAITING")
              + "' WHERE trigger_name = '"
              + name
              + "'");
    }
  }

  /** Waits until every backup a node fired has finished. */
  static void awaitIdle(Running... nodes) throws InterruptedException {
    await(
        "the running backups to finish",
        Duration.ofSeconds(90),
        () -> {
          for (Running n : nodes) {
            String log = n.stderrSoFar();
            if (count(log, "fired backup") != count(log, "finished backup")) {
              return false;
            }
          }
          return true;
        });
  }

  /**
   * Each firing runs on exactly one node, and any node can take firings. Quartz's clustering is not
   * load balancing: each firing goes to whichever node takes the trigger lock first, so one node
   * may legitimately run every firing while both are up; the test therefore stops the node that ran
   * most and shows the other takes the next firings. The schedule is paused before each SIGTERM and
   * the nodes are idle then, so no run the test itself stopped is counted.
   */
  @Test
  void twoNodesOnOnePostgresControlDatabaseRunEachFiringExactlyOnce() throws Exception {
    PgConnection control = PostgresServer.shared().createDatabase("control_cluster");
    Fixture fx =
        controlledBy(fixture(), control)
            .yaml(
                "  schedules:\n    backup: { cron: \"0/4 * * * * ?\" }\n"
                    + "  serve:\n    checkin-interval: 2s");
    Path config = fx.write(db, "app");
    LifeboatCli cli = fx.cli();
    String done = "finished backup of target 'app': success";

    Running a = serve(cli, config, "node-a", PostgresServer.freePort());
    Running b = serve(cli, config, "node-b", PostgresServer.freePort());
    await(
        "four scheduled backups across the cluster",
        Duration.ofSeconds(90),
        () -> count(a.stderrSoFar() + b.stderrSoFar(), done) >= 4);
    setTrigger(control, "backup.app", true);
    awaitIdle(a, b);
    Instant bothUpUntil = Instant.now();
    String bothLogs = a.stderrSoFar() + b.stderrSoFar();
    Running busier = count(a.stderrSoFar(), done) >= count(b.stderrSoFar(), done) ? a : b;
    Running other = busier == a ? b : a;
    String otherName = busier == a ? "node-b" : "node-a";
    terminate(busier);
    int otherBefore = count(other.stderrSoFar(), done);
    setTrigger(control, "backup.app", false);
    await(
        "two firings on " + otherName + " alone",
        Duration.ofSeconds(90),
        () -> count(other.stderrSoFar(), done) >= otherBefore + 2);
    setTrigger(control, "backup.app", true);
    awaitIdle(other);
    terminate(other);

    assertThat(bothLogs).contains("node node-a, clustered").contains("node node-b, clustered");
    assertThat(bothLogs + other.stderrSoFar()).doesNotContain("skipped backup");
    List<JsonNode> backups =
        list(json(cli.run("--config", config.toString(), "backups", "--json")));
    Map<Long, List<String>> bySlot = new HashMap<>();
    for (JsonNode backup : backups) {
      Instant started = Instant.parse(backup.get("startedAt").asString());
      if (started.isBefore(bothUpUntil)) {
        bySlot
            .computeIfAbsent(started.getEpochSecond() / 4, k -> new ArrayList<>())
            .add(backup.get("id").asString());
      }
    }
    assertThat(bySlot).as("backups while both nodes were up").hasSizeGreaterThanOrEqualTo(4);
    assertThat(bySlot.values())
        .as("one backup per firing while both nodes were up: %s", bySlot)
        .allMatch(ids -> ids.size() == 1);
    List<JsonNode> history =
        list(json(cli.run("--config", config.toString(), "history", "--json", "--limit", "100")));
    assertThat(history).as("every run of %s", history).hasSize(backups.size());
    assertThat(history)
        .as("no run stopped or failed: the schedule was paused and the nodes idle at each SIGTERM")
        .allMatch(h -> h.get("outcome").asString().equals("success"));
    assertThat(history.stream().map(h -> h.get("node").asString()).distinct().sorted().toList())
        .as("both nodes took firings: %s", history)
        .containsExactly("node-a", "node-b");
  }

  @Test
  void scheduledSlotsMissedWhileEveryNodeWasDownRunOnceWhenANodeIsBack() throws Exception {
    PgConnection control = PostgresServer.shared().createDatabase("control_misfire");
    Fixture fx =
        controlledBy(fixture(), control)
            .yaml(
                "  schedules:\n    backup: { cron: \"0/10 * * * * ?\" }\n"
                    + "  serve:\n    misfire-threshold: 3s");
    Path config = fx.write(db, "app");
    LifeboatCli cli = fx.cli();

    Running first = serve(cli, config, "node-a", PostgresServer.freePort());
    await(
        "one scheduled backup",
        Duration.ofSeconds(60),
        () -> first.stderrSoFar().contains("finished backup of target 'app'"));
    terminate(first);
    Instant down = Instant.now();
    int before = list(json(cli.run("--config", config.toString(), "backups", "--json"))).size();
    Thread.sleep(Duration.between(Instant.now(), down.plusSeconds(33)).toMillis());

    Running again = serve(cli, config, "node-a", PostgresServer.freePort());
    await(
        "the catch-up backup",
        Duration.ofSeconds(60),
        () -> again.stderrSoFar().contains("finished backup of target 'app'"));
    Instant caughtUp = Instant.now();
    terminate(again);
    // the whole log, read after the exit: a regular slot may fire between the catch-up and the
    // SIGTERM, and the SIGTERM then stops that backup (fired, finished "stopped", not listed)
    String log = again.stderrSoFar();

    List<JsonNode> backups =
        list(json(cli.run("--config", config.toString(), "backups", "--json")));
    long afterRestart =
        backups.stream()
            .filter(b -> Instant.parse(b.get("startedAt").asString()).isAfter(down))
            .count();
    // three slots were missed; one catch-up run, plus at most the regular slot that came since
    long regular = Duration.between(caughtUp.minusSeconds(10), caughtUp).toSeconds() / 10;
    assertThat(afterRestart).as(log).isBetween(1L, 1L + regular);
    assertThat(count(log, "finished backup of target 'app': success"))
        .as(log)
        .isEqualTo((int) afterRestart);
    assertThat(count(log, "fired backup"))
        .as(log)
        .isBetween((int) afterRestart, (int) afterRestart + 1);
    assertThat(backups.size()).isEqualTo(before + (int) afterRestart);
  }
}
