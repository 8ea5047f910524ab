package dev.lifeboat.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.base.Json;
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
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Commands sharing one {@code lifeboat.home} (and so one embedded control database) run side by
 * side, whichever of them exits first. Each backup is held mid-job by a table lock the test takes,
 * so the overlap is certain, not a matter of timing.
 */
class ControlDatabaseIntegrationTests {

  static PgConnection one;
  static PgConnection two;

  @TempDir Path dir;

  @BeforeAll
  static void databases() {
    one = PostgresServer.shared().createExampleDatabase("shared_one", 1);
    two = PostgresServer.shared().createExampleDatabase("shared_two", 1);
  }

  @Test
  void theCommandThatStartedFirstCanExitFirstWithoutBreakingTheOther() throws Exception {
    overlap(true);
  }

  @Test
  void theCommandThatStartedLastCanExitFirstWithoutBreakingTheOther() throws Exception {
    overlap(false);
  }

  @Test
  void commandsStartedAtTheSameInstantOnAFreshHomeAllOpenTheEmbeddedControlDatabase()
      throws Exception {
    Fixture fx = new Fixture(dir).filesystem("local", dir.resolve("store"));
    Path config = fx.write(one, "one");
    LifeboatCli cli = fx.cli();
    // cron, a deploy hook and serve may all start at 02:00:00: one process becomes the file's
    // host, the others must wait for it rather than fail on "locked by another process"
    for (int round = 0; round < 2; round++) {
      List<Running> all = new java.util.ArrayList<>();
      for (int i = 0; i < 4; i++) {
        all.add(cli.start("--config", config.toString(), "history", "--json"));
      }
      for (Running r : all) {
        Result result = r.await(Duration.ofMinutes(2));
        assertThat(result.exitCode()).as(result.toString()).isZero();
      }
    }
  }

  @Test
  void anUnreachableControlDatabaseStopsTheCommandBeforeItTouchesATargetOrStore() throws Exception {
    int nobody = PostgresServer.freePort();
    Path store = dir.resolve("store");
    Fixture fx =
        new Fixture(dir)
            .filesystem("local", store)
            .yaml(
                "  control:\n    url: \"jdbc:postgresql://127.0.0.1:"
                    + nobody
                    + "/control\"\n    username: lifeboat\n    password: \"${CONTROL_PASSWORD}\"");
    fx.env.put("CONTROL_PASSWORD", "control-secret-4711");
    Path config = fx.write(one, "one");

    Result r = fx.cli().run("--config", config.toString(), "backup", "--json");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr())
        .contains("lifeboat.control.url: cannot reach the control database")
        .contains("127.0.0.1:" + nobody)
        .doesNotContain("Exception");
    assertThat(Json.mapper().readTree(r.stdout()).get("exitCode").asInt()).isEqualTo(2);
    assertThat(r.all()).doesNotContain("control-secret-4711").doesNotContain(one.password());
    assertThat(store).doesNotExist();
  }

  @Test
  void aControlDatabaseWhereLifeboatMayNotCreateTablesIsRefusedNamingTheKey() throws Exception {
    PgConnection control = PostgresServer.shared().createDatabase("control_ro");
    try (Connection c = control.open();
        Statement st = c.createStatement()) {
      st.execute("DROP ROLE IF EXISTS lifeboat_ro");
      st.execute("CREATE ROLE lifeboat_ro LOGIN PASSWORD 'ro-secret-0815'");
      st.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
    }
    Path store = dir.resolve("store");
    Fixture fx =
        new Fixture(dir)
            .filesystem("local", store)
            .yaml(
                "  control:\n    url: \""
                    + control.jdbcUrl()
                    + "\"\n    username: lifeboat_ro\n    password: \"${CONTROL_PASSWORD}\"");
    fx.env.put("CONTROL_PASSWORD", "ro-secret-0815");
    Path config = fx.write(one, "one");

    Result r = fx.cli().run("--config", config.toString(), "backup");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr())
        .contains("lifeboat.control.url: cannot create or upgrade the control database's schema")
        .contains("permission denied")
        .doesNotContain("Exception");
    assertThat(r.all()).doesNotContain("ro-secret-0815");
    assertThat(store).doesNotExist();
  }

  @Test
  void aPostgresqlControlDatabaseOfTheLastReleaseGainsTheWalReceiversAndKeepsItsNodes()
      throws Exception {
    PgConnection control = PostgresServer.shared().createDatabase("control_wal");
    var ds =
        org.springframework.boot.jdbc.DataSourceBuilder.create()
            .url(control.jdbcUrl())
            .username(control.user())
            .password(control.password())
            .build();
    ControlSchemaTests.upgradesFromVersionFour(ds, false);
    ((AutoCloseable) ds).close();
  }

  private void overlap(boolean firstExitsFirst) throws Exception {
    Fixture fx = new Fixture(dir).filesystem("local", dir.resolve("store"));
    Path configOne = fx.write(one, "one");
    Path configTwo = fx.write(two, "two");
    LifeboatCli cli = fx.cli();

    try (Connection lockOne = one.open();
        Connection lockTwo = two.open()) {
      holdAccounts(lockOne);
      holdAccounts(lockTwo);
      Running first = cli.start("--config", configOne.toString(), "backup", "--json");
      awaitBlocked(one, first);
      Running second = cli.start("--config", configTwo.toString(), "backup", "--json");
      awaitBlocked(two, second);

      Running early = firstExitsFirst ? first : second;
      Running late = firstExitsFirst ? second : first;
      (firstExitsFirst ? lockOne : lockTwo).commit();
      Result earlyResult = early.await(Duration.ofMinutes(2));
      assertThat(earlyResult.exitCode()).as(earlyResult.toString()).isZero();
      assertThat(late.process().isAlive()).as("the other backup is still held").isTrue();

      (firstExitsFirst ? lockTwo : lockOne).commit();
      Result lateResult = late.await(Duration.ofMinutes(2));
      assertThat(lateResult.exitCode()).as(lateResult.toString()).isZero();
      assertThat(lateResult.stderr()).doesNotContain("Exception");
    }

    for (var config : new Path[] {configOne, configTwo}) {
      Result list = cli.run("--config", config.toString(), "backups", "--json");
      assertThat(list.exitCode()).as(list.toString()).isZero();
      JsonNode backups = Json.mapper().readTree(list.stdout());
      assertThat(backups.size()).as(list.toString()).isEqualTo(1);
    }
    Result history = cli.run("--config", configOne.toString(), "backups");
    assertThat(history.exitCode()).isZero();
  }

  private static void holdAccounts(Connection c) throws Exception {
    c.setAutoCommit(false);
    try (Statement st = c.createStatement()) {
      st.execute("LOCK TABLE public.accounts IN ACCESS EXCLUSIVE MODE");
    }
  }

  /** Waits until the command's dump session waits on the test's lock: it is then mid-job. */
  private static void awaitBlocked(PgConnection db, Running running) throws Exception {
    Instant deadline = Instant.now().plusSeconds(60);
    try (Connection c = db.open();
        Statement st = c.createStatement()) {
      while (Instant.now().isBefore(deadline)) {
        assertThat(running.process().isAlive()).as(running.stderrSoFar()).isTrue();
        try (ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    + " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")) {
          rs.next();
          if (rs.getInt(1) > 0) {
            return;
          }
        }
        Thread.sleep(100);
      }
    }
    throw new AssertionError("the backup never reached the locked table: " + running.stderrSoFar());
  }
}
