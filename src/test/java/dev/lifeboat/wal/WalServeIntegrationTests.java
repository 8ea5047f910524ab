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
  void serveArchivesTheWalWalStatusNamesTheNodeAndSigtermStoresTheLastCommit() throws Exception {
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

    LifeboatCli.Running serve =
        cli.start(
            "--config",
            config.toString(),
            "serve",
            "--lifeboat.node=n1",
            "--lifeboat.http.port=" + PostgresServer.freePort());
    try {
      // WAL from the slot's creation on is archived: wait for it, not for a sleep
      await(
          "the receiver creates its slot",
          Duration.ofSeconds(90),
          () ->
              "1"
                  .equals(
                      query(
                          "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'lifeboat_app'")));
      String switched = writeAndSwitch(2);
      await(
          "the store holds " + switched,
          Duration.ofSeconds(90),
          () -> segments(store).contains(switched));

      LifeboatCli.Result status = cli.run("--config", config.toString(), "wal", "status", "--json");
      assertThat(status.exitCode()).as(status.toString()).isZero();
      JsonNode target = Json.mapper().readTree(status.stdout()).get("targets").get(0);
      assertThat(target.get("target").asString()).isEqualTo("app");
      assertThat(target.get("state").asString()).isEqualTo("streaming");
      assertThat(target.get("streamedBy").asString()).isEqualTo("n1");

      server.cluster().execute("CREATE TABLE IF NOT EXISTS last_words (x text)");
      server.cluster().execute("INSERT INTO last_words VALUES ('before the stop')");
      Lsn committed = Lsn.parse(query("SELECT pg_current_wal_insert_lsn()::text"));
      Thread.sleep(500);

      long start = System.nanoTime();
      serve.process().destroy();
      assertThat(serve.process().waitFor(40, TimeUnit.SECONDS))
          .as("serve exits after SIGTERM: " + serve.stderrSoFar())
          .isTrue();
      Duration stop = Duration.ofNanos(System.nanoTime() - start);

      assertThat(serve.process().exitValue()).as(serve.stderrSoFar()).isZero();
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
      assertThat(serve.stderrSoFar()).doesNotContain(PASSWORD).doesNotContain(control.password());
    } finally {
      serve.kill();
    }
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
    try (Connection c = server.connection("postgres").open();
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
