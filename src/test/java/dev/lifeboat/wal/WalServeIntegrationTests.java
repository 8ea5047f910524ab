package dev.lifeboat.wal;

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
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
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

  private static final long SEGMENT = 1024 * 1024;
  private static final String PASSWORD = "pw-walserve-8812";

  private static PostgresServer server;
  private static PgConnection app;

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
      await(
          "n1 creates its slot",
          Duration.ofSeconds(90),
          () ->
              "1"
                  .equals(
                      query(
                          "SELECT count(*) FROM pg_replication_slots"
                              + " WHERE slot_name = 'lifeboat_app'")));
      n2 = serve(cli, config, "n2");
      String switched = writeAndSwitch(2);
      await(
          "the store holds " + switched,
          Duration.ofSeconds(90),
          () -> segments(store).contains(switched));
      await(
          "n2 reports standing by",
          Duration.ofSeconds(90),
          () ->
              "standby"
                  .equals(
                      query(
                          "SELECT state FROM lifeboat_wal_receivers WHERE node = 'n2'", control)));

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
      await(
          "n2 streams",
          Duration.ofSeconds(30),
          () ->
              "streaming"
                  .equals(
                      query(
                          "SELECT state FROM lifeboat_wal_receivers WHERE node = 'n2'", control)));
      Duration takeover = Duration.between(killed, Instant.now());
      assertThat(takeover).isLessThan(Duration.ofSeconds(30));
      await(
          "only n2's walsender streams",
          Duration.ofSeconds(10),
          () ->
              "lifeboat/app/n2"
                  .equals(
                      query("SELECT string_agg(application_name, ',') FROM pg_stat_replication")));
      String after = writeAndSwitch(2);
      await(
          "the store holds " + after,
          Duration.ofSeconds(60),
          () -> segments(store).contains(after));
      assertThat(contiguous(store)).as("no segment missing across the takeover").isTrue();

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

      server.cluster().execute("CREATE TABLE IF NOT EXISTS last_words (x text)");
      server.cluster().execute("INSERT INTO last_words VALUES ('before the stop')");
      Lsn committed = Lsn.parse(query("SELECT pg_current_wal_insert_lsn()::text"));
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
              WalArchive.entries("app", SEGMENT, store.list(WalArchive.root("app"))).stream()
                  .filter(e -> e.kind() != WalArchive.Kind.HISTORY)
                  .map(WalArchive.Entry::end)
                  .max(Lsn::compareTo)
                  .orElseThrow())
          .as("the WAL of the last commit before SIGTERM is in the store")
          .isGreaterThanOrEqualTo(committed);
      assertThat(query("SELECT count(*) FROM pg_stat_replication"))
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

  /** Completed segments form one run from the first to the last. */
  private static boolean contiguous(BackupStore store) {
    java.util.TreeSet<Long> numbers = new java.util.TreeSet<>();
    for (WalArchive.Entry e :
        WalArchive.entries("app", SEGMENT, store.list(WalArchive.root("app")))) {
      if (e.kind() == WalArchive.Kind.SEGMENT) {
        numbers.add(e.segmentNumber());
      }
    }
    return !numbers.isEmpty() && numbers.last() - numbers.first() + 1 == numbers.size();
  }

  private static java.util.TreeSet<String> segments(BackupStore store) {
    java.util.TreeSet<String> names = new java.util.TreeSet<>();
    List<WalArchive.Entry> entries =
        WalArchive.entries("app", SEGMENT, store.list(WalArchive.root("app")));
    for (WalArchive.Entry e : entries) {
      if (e.kind() == WalArchive.Kind.SEGMENT) {
        names.add(e.segment().name());
      }
    }
    return names;
  }

  private static String writeAndSwitch(int segments) {
    server.cluster().execute("CREATE TABLE IF NOT EXISTS filler (x text)");
    String last = null;
    for (int i = 0; i < segments; i++) {
      server
          .cluster()
          .execute("INSERT INTO filler SELECT repeat('x', 1000) FROM generate_series(1, 200)");
      last = query("SELECT pg_walfile_name(pg_current_wal_insert_lsn())");
      server.cluster().execute("SELECT pg_switch_wal()");
    }
    return last;
  }

  private static String query(String sql) {
    return query(sql, server.connection("postgres"));
  }

  private static String query(String sql, PgConnection on) {
    try (Connection c = on.open();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void await(String what, Duration timeout, BooleanSupplier condition)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(timeout);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(200);
    }
  }
}
