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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code lifeboat serve} through failures, through the real jar: a node killed mid-backup and
 * SIGTERM during a backup. (Split from {@link ServeClusterIntegrationTests} so the two run in
 * parallel forks; the helpers are those of that class and of {@link ServeIntegrationTests}.)
 */
class ServeFailoverIntegrationTests {

  @TempDir Path dir;

  Fixture fixture() throws Exception {
    return new Fixture(dir).filesystem("local", dir.resolve("store"));
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
