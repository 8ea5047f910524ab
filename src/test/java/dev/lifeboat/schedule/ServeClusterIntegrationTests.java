package dev.lifeboat.schedule;

import static dev.lifeboat.schedule.ServeIntegrationTests.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.ChecksumMode;
import dev.lifeboat.store.S3StoreSettings;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.LifeboatCli.Running;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.ThrottledProxy;
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
  void whenTheNodeRunningABackupIsKilledTheOtherNodeRunsThatFiring() throws Exception {
    PgConnection control = PostgresServer.shared().createDatabase("control_kill");
    PgConnection target = PostgresServer.shared().createExampleDatabase("serve_kill", 1);
    Fixture fx =
        controlledBy(fixture(), control)
            .yaml(
                // fired by hand below; a cron that comes due during the test would fire it again
                "  schedules:\n    backup: { cron: \"0 0 3 1 1 ?\" }\n"
                    + "  serve:\n    checkin-interval: 2s");
    Path config = fx.write(target, "app");
    LifeboatCli cli = fx.cli();

    Running a;
    Running b;
    String killedNode;
    try (Connection lock = target.open()) {
      lock.setAutoCommit(false);
      try (Statement st = lock.createStatement()) {
        st.execute("LOCK TABLE public.accounts IN ACCESS EXCLUSIVE MODE");
      }
      a = serve(cli, config, "node-a", PostgresServer.freePort());
      b = serve(cli, config, "node-b", PostgresServer.freePort());
      Running first = a;
      Running second = b;
      await(
          "both nodes up",
          Duration.ofSeconds(120),
          () ->
              first.stderrSoFar().contains("serving: node")
                  && second.stderrSoFar().contains("serving: node"));
      // fire the schedule now, as if its time had come
      try (Connection c = control.open();
          Statement st = c.createStatement()) {
        st.executeUpdate(
            "UPDATE qrtz_triggers SET next_fire_time = "
                + (System.currentTimeMillis() + 1000)
                + " WHERE trigger_name = 'backup.app'");
      }
      await(
          "a node to start the backup",
          Duration.ofSeconds(60),
          () ->
              first.stderrSoFar().contains("started backup")
                  || second.stderrSoFar().contains("started backup"));
      Running victim = a.stderrSoFar().contains("started backup") ? a : b;
      killedNode = victim == a ? "node-a" : "node-b";
      victim.kill();
      lock.commit();
    }
    Running survivor = killedNode.equals("node-a") ? b : a;
    await(
        "the other node to finish the recovered firing",
        Duration.ofSeconds(90),
        () -> survivor.stderrSoFar().contains("finished backup of target 'app': success"));
    String log = survivor.stderrSoFar();
    terminate(survivor);

    assertThat(log).contains("recovering a firing whose node died");
    List<JsonNode> backups =
        list(json(cli.run("--config", config.toString(), "backups", "--json")));
    assertThat(backups).hasSize(1);
    Result history = cli.run("--config", config.toString(), "history");
    List<JsonNode> runs = list(json(cli.run("--config", config.toString(), "history", "--json")));
    assertThat(runs).as(history.stdout()).hasSize(2);
    JsonNode dead = runs.get(1);
    assertThat(dead.get("node").asString()).isEqualTo(killedNode);
    assertThat(dead.get("outcome").asString()).isEqualTo("failed");
    assertThat(dead.get("error").asString())
        .contains("the process running it died on node " + killedNode);
    assertThat(runs.get(0).get("outcome").asString()).isEqualTo("success");
    assertThat(runs.get(0).get("result").asString()).isEqualTo(backups.get(0).get("id").asString());
    System.out.println("history after kill -9 of " + killedNode + ":\n" + history.stdout());
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

  @Test
  void sigtermDuringABackupStopsItCleanlyWithinThirtySeconds() throws Exception {
    S3ProxyServer s3 = S3ProxyServer.shared("serve");
    s3.createBucket("sigterm");
    PgConnection big = PostgresServer.shared().createExampleDatabase("serve_sigterm", 2);
    try (ThrottledProxy slow = new ThrottledProxy(s3.endpoint(), 1024 * 1024)) {
      Fixture fx = new Fixture(dir);
      fx.env.put("SLOW_KEY", s3.accessKey());
      fx.env.put("SLOW_SECRET", s3.secretKey());
      fx.stores.put(
          "slow",
          "{ type: s3, endpoint: \""
              + slow.endpoint()
              + "\", bucket: sigterm, prefix: lifeboat/, path-style: true, part-size: 5MB,"
              + " access-key: \"${SLOW_KEY}\", secret-key: \"${SLOW_SECRET}\" }");
      fx.yaml("  schedules:\n    backup: { cron: \"0/5 * * * * ?\" }");
      Path config = fx.write(big, "app");
      LifeboatCli cli = fx.cli();
      BackupStore store =
          BackupStore.s3(
              new S3StoreSettings(
                  "check",
                  s3.endpoint(),
                  s3.region(),
                  "sigterm",
                  "lifeboat/",
                  true,
                  s3.accessKey(),
                  s3.secretKey(),
                  ChecksumMode.WHEN_REQUIRED,
                  S3StoreSettings.MIN_PART_SIZE_BYTES,
                  null,
                  null,
                  null));

      Running serve = serve(cli, config, "node-a", PostgresServer.freePort());
      await(
          "a multipart upload under way",
          Duration.ofSeconds(90),
          () -> !store.leftovers("app/").isEmpty());
      Duration stop = terminate(serve);
      String log = serve.stderrSoFar();

      System.out.println("SIGTERM stopped a running backup in " + stop.toMillis() + " ms");
      assertThat(stop).as(log).isLessThan(Duration.ofSeconds(30));
      assertThat(log).contains("stopping: no new firings").contains("stopped in");
      assertThat(store.leftovers("")).as("no multipart upload left open").isEmpty();
      assertThat(store.list("app/")).as("nothing half-written is visible\n" + log).isEmpty();
      List<JsonNode> runs = list(json(cli.run("--config", config.toString(), "history", "--json")));
      assertThat(runs).hasSize(1);
      assertThat(runs.get(0).get("status").asString()).isEqualTo("STOPPED");
      assertThat(runs.get(0).get("outcome").asString()).isEqualTo("stopped");
      assertThat(pgDumpsOf(big.database())).as("pg_dump was ended").isZero();

      // the next start runs normally and does not run the stopped firing again; its backups need
      // not crawl through the throttle
      slow.unthrottle();
      Running again = serve(cli, config, "node-a", PostgresServer.freePort());
      await(
          "a backup after the restart",
          Duration.ofSeconds(120),
          () -> again.stderrSoFar().contains("finished backup of target 'app': success"));
      String after = again.stderrSoFar();
      terminate(again);
      assertThat(after).doesNotContain("recovering");
      assertThat(store.leftovers("")).isEmpty();
      List<JsonNode> later =
          list(json(cli.run("--config", config.toString(), "history", "--json")));
      // the first run stays stopped; a second SIGTERM may have stopped a later firing too
      assertThat(later.get(later.size() - 1).get("outcome").asString()).isEqualTo("stopped");
      assertThat(later).anyMatch(r -> r.get("outcome").asString().equals("success"));
      assertThat(later).noneMatch(r -> r.get("outcome").asString().equals("failed"));
      assertThat(list(json(cli.run("--config", config.toString(), "backups", "--json"))))
          .isNotEmpty();
      store.close();
    }
  }
}
