package dev.lifeboat.wal;

import static dev.lifeboat.wal.WalArchiveProbe.contiguous;
import static dev.lifeboat.wal.WalArchiveProbe.waitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.base.Json;
import dev.lifeboat.catalog.WalArchive;
import dev.lifeboat.pg.Lsn;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.ServerOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code serve} from the real jar archives a target's WAL (1 MB segments, the real pg_receivewal, a
 * filesystem store, a PostgreSQL control database), {@code wal status} says which node streams it,
 * and SIGTERM stops it within the 30 s the issue gives with the last commit's WAL stored.
 */
class WalServeIntegrationTests {

  private static final String PASSWORD = "pw-walserve-8812";

  private static PostgresServer server;
  private static PgConnection app;

  private final WalArchiveProbe probe = new WalArchiveProbe(server, "app");

  @TempDir Path dir;

  @BeforeAll
  static void aServerWithOneMegabyteSegments() {
    server = PostgresServer.startNew(ServerOptions.walSegmentMb(1));
    PgConnection role = server.replicationRole("walserve", PASSWORD);
    server.cluster().execute("CREATE DATABASE walapp OWNER walserve");
    app = role.withDatabase("walapp");
  }

  @AfterAll
  static void stopTheServer() {
    if (server != null) {
      server.cluster().close();
    }
  }

  @Test
  void aSecondNodeTakesOverAfterAKillWithoutAGapAndSigtermStoresTheLastCommit() throws Exception {
    PgConnection control = server.createDatabase("wal_control");
    Fixture fx =
        new Fixture(dir)
            .filesystem("local", dir.resolve("store"))
            .targetYaml(
                "app", "      wal:\n        enabled: true\n        partial-upload-interval: 1s");
    fx.env.put("CONTROL_PASSWORD", control.password());
    fx.yaml(
        "  control:\n    url: \""
            + control.jdbcUrl()
            + "\"\n    username: "
            + control.user()
            + "\n    password: \"${CONTROL_PASSWORD}\"");
    Path config = fx.write(app, "app");
    LifeboatCli cli = fx.cli();
    BackupStore store = BackupStore.filesystem("local", dir.resolve("store"));

    LifeboatCli.Running n1 = serve(cli, config, "n1");
    LifeboatCli.Running n2 = null;
    try {
      // WAL from the slot's creation on is archived: wait for it, not for a sleep
      waitUntil(
          () ->
              "1"
                  .equals(
                      probe.query(
                          "SELECT count(*) FROM pg_replication_slots"
                              + " WHERE slot_name = 'lifeboat_app'")),
          "n1 creates its slot",
          90);
      n2 = serve(cli, config, "n2");
      String switched = probe.writeAndSwitch(2);
      waitUntil(() -> probe.segments(store).contains(switched), "the store holds " + switched, 90);
      waitUntil(
          () ->
              "standby"
                  .equals(
                      WalArchiveProbe.query(
                          "SELECT state FROM lifeboat_wal_receivers WHERE node = 'n2'", control)),
          "n2 reports standing by",
          90);

      LifeboatCli.Result status = cli.run("--config", config.toString(), "wal", "status", "--json");
      assertThat(status.exitCode()).as(status.toString()).isZero();
      JsonNode target = Json.mapper().readTree(status.stdout()).get("targets").get(0);
      assertThat(target.get("target").asString()).isEqualTo("app");
      assertThat(target.get("state").asString()).isEqualTo("streaming");
      assertThat(target.get("streamedBy").asString()).isEqualTo("n1");
      List<String> nodes = new java.util.ArrayList<>();
      target
          .get("nodes")
          .forEach(
              n ->
                  nodes.add(
                      n.get("node").asString()
                          + " "
                          + n.get("state").asString()
                          + " "
                          + n.get("detail").asString("")));
      assertThat(nodes).contains("n2 standby streamed by node n1");

      // kill -9 of n1's JVM alone, as a crash would: its pg_receivewal goes with it (parent-death
      // signal) and the server frees its lease with its connection
      Instant killed = Instant.now();
      n1.process().destroyForcibly();
      assertThat(n1.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
      waitUntil(
          () ->
              "streaming"
                  .equals(
                      WalArchiveProbe.query(
                          "SELECT state FROM lifeboat_wal_receivers WHERE node = 'n2'", control)),
          "n2 streams",
          30);
      Duration takeover = Duration.between(killed, Instant.now());
      assertThat(takeover).isLessThan(Duration.ofSeconds(30));
      waitUntil(
          () ->
              "lifeboat/app/n2"
                  .equals(
                      probe.query(
                          "SELECT string_agg(application_name, ',') FROM pg_stat_replication")),
          "only n2's walsender streams",
          10);
      String after = probe.writeAndSwitch(2);
      waitUntil(() -> probe.segments(store).contains(after), "the store holds " + after, 60);
      assertThat(contiguous(probe.entries(store)))
          .as("no segment missing across the takeover")
          .isTrue();

      // a base backup while n2 streams: complete once its WAL is in the store
      LifeboatCli.Result base =
          cli.run("--config", config.toString(), "--target", "app", "basebackup");
      assertThat(base.exitCode()).as(base.toString()).isZero();
      assertThat(base.stderr()).contains("  local: complete");
      String baseId = base.stdout().strip();
      assertThat(store.stat("app.wal/base/" + baseId + "/basebackup.json")).isPresent();
      LifeboatCli.Result listed = cli.run("--config", config.toString(), "backups");
      assertThat(listed.exitCode()).as(listed.toString()).isZero();
      assertThat(listed.stdout())
          .as("backups lists the base backup where its WAL is")
          .containsPattern(baseId + " .* local\\s*$|" + baseId + " .* local\\n");
      LifeboatCli.Result json =
          cli.run("--config", config.toString(), "backups", "--base", "--json");
      assertThat(json.exitCode()).as(json.toString()).isZero();
      JsonNode rows = Json.mapper().readTree(json.stdout());
      assertThat(rows.size()).as(json.stdout()).isEqualTo(1);
      JsonNode row = rows.get(0);
      assertThat(row.get("id").asString()).isEqualTo(baseId);
      assertThat(row.get("kind").asString()).isEqualTo("basebackup");
      assertThat(row.get("completeIn").toString()).isEqualTo("[\"local\"]");
      assertThat(row.get("waitingIn").toString()).isEqualTo("[]");
      assertThat(Lsn.parse(row.get("stopLsn").asString()))
          .isGreaterThan(Lsn.parse(row.get("startLsn").asString()));
      assertThat(row.get("systemIdentifier").asString()).matches("[1-9][0-9]+");
      assertThat(row.get("encrypted").asBoolean()).isFalse();

      server.cluster().execute("CREATE TABLE IF NOT EXISTS last_words (x text)");
      server.cluster().execute("INSERT INTO last_words VALUES ('before the stop')");
      Lsn committed = Lsn.parse(probe.query("SELECT pg_current_wal_insert_lsn()::text"));
      Thread.sleep(500);

      long start = System.nanoTime();
      n2.process().destroy();
      assertThat(n2.process().waitFor(40, TimeUnit.SECONDS))
          .as("serve exits after SIGTERM: " + n2.stderrSoFar())
          .isTrue();
      Duration stop = Duration.ofNanos(System.nanoTime() - start);

      assertThat(n2.process().exitValue()).as(n2.stderrSoFar()).isZero();
      assertThat(stop).isLessThan(Duration.ofSeconds(30));
      assertThat(
              probe.entries(store).stream()
                  .filter(e -> e.kind() != WalArchive.Kind.HISTORY)
                  .map(WalArchive.Entry::end)
                  .max(Lsn::compareTo)
                  .orElseThrow())
          .as("the WAL of the last commit before SIGTERM is in the store")
          .isGreaterThanOrEqualTo(committed);
      assertThat(probe.query("SELECT count(*) FROM pg_stat_replication"))
          .as("no walsender left")
          .isEqualTo("0");
      // what the chain in the store can restore, after the kill and the stop: from the base
      // backup taken after the takeover to the last commit's partial
      LifeboatCli.Result verified =
          cli.run("--config", config.toString(), "--target", "app", "verify", "--wal");
      System.out.println("verify --wal after the kill -9 and the stop:\n" + verified.all());
      assertThat(verified.exitCode()).as(verified.toString()).isZero();
      assertThat(verified.stdout())
          .contains("local: ok")
          .contains("recoverable from")
          .contains("(base backup " + baseId + ")");
      assertThat(n1.stderrSoFar() + n2.stderrSoFar())
          .doesNotContain(PASSWORD)
          .doesNotContain(control.password());
      System.out.println(
          "takeover after kill -9: "
              + takeover.toMillis()
              + " ms; stop: "
              + stop.toMillis()
              + " ms");
    } finally {
      n1.kill();
      if (n2 != null) {
        n2.kill();
      }
    }
  }

  private static LifeboatCli.Running serve(LifeboatCli cli, Path config, String node) {
    return cli.start(
        "--config",
        config.toString(),
        "serve",
        "--lifeboat.node=" + node,
        "--lifeboat.http.port=" + PostgresServer.freePort());
  }
}
