package dev.lifeboat.drill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.base.Json;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Restore drills through the real jar, against the shared PostgreSQL cluster. */
class DrillIntegrationTests {

  static PgConnection source;

  @TempDir Path dir;

  @BeforeAll
  static void database() {
    source = PostgresServer.shared().createExampleDatabase("drill_src", 1);
  }

  private record Setup(Path config, LifeboatCli cli, String id) {
    Result drill(String... args) {
      List<String> all = new ArrayList<>(List.of("--config", config.toString(), "drill"));
      all.addAll(List.of(args));
      return cli.run(all.toArray(String[]::new));
    }
  }

  private Setup backedUp(PgConnection db, Path drills) throws Exception {
    Fixture fx = new Fixture(dir).filesystem("local", dir.resolve("store"));
    if (drills != null) {
      fx.yaml("  drills:\n    dir: \"" + drills + "\"");
    }
    Path config = fx.write(db, "app");
    LifeboatCli cli = fx.cli();
    Result backup = cli.run("--config", config.toString(), "backup");
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    return new Setup(config, cli, backup.stdout().trim());
  }

  @Test
  void aGoodBackupPassesEveryCheckAndLeavesNoScratchDatabase() throws Exception {
    Setup s = backedUp(source, Path.of("jobs/example/drills").toAbsolutePath());

    Result r = s.drill("--json");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    JsonNode report = Json.mapper().readTree(r.stdout());
    assertThat(report.get("status").asString()).isEqualTo("passed");
    assertThat(report.get("backup").asString()).isEqualTo(s.id());
    assertThat(report.get("restoreSeconds").asDouble()).isPositive();
    List<String> names = new ArrayList<>();
    report
        .get("checks")
        .forEach(
            c -> {
              names.add(c.get("name").asString());
              assertThat(c.get("status").asString()).as(c.toString()).isEqualTo("passed");
            });
    assertThat(names)
        .contains(
            "checksum",
            "pg_restore",
            "rows public.accounts",
            "rls public.tasks",
            "assert invoices-add-up.sql",
            "assert no-orphan-rows.sql");
    assertThat(scratchDatabases()).isEmpty();
    assertThat(r.all()).doesNotContain(source.password());

    // the audit trail keeps the drill's result, typed like any scheduled one
    Result history =
        s.cli.run("--config", s.config.toString(), "history", "--json", "--job", "drill");
    JsonNode run = Json.mapper().readTree(history.stdout()).get(0);
    assertThat(run.get("outcome").asString()).isEqualTo("success");
    assertThat(run.get("trigger").asString()).isEqualTo("cli");
    assertThat(run.get("result").asString()).isEqualTo("passed (backup " + s.id + ")");
  }

  @Test
  void keepLeavesTheScratchDatabaseAndTheNextDrillReplacesIt() throws Exception {
    Setup s = backedUp(source, null);

    Result kept = s.drill("--keep");
    assertThat(kept.exitCode()).as(kept.toString()).isZero();
    assertThat(kept.stdout())
        .contains("scratch database kept: lifeboat_drill_" + s.id().toLowerCase());
    assertThat(scratchDatabases()).containsExactly("lifeboat_drill_" + s.id().toLowerCase());

    Result again = s.drill();
    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(scratchDatabases()).isEmpty();
  }

  @Test
  void aScratchDatabaseLeftByACrashedDrillIsDroppedByTheNextDrill() throws Exception {
    Setup s = backedUp(source, null);
    PgConnection leftover =
        PostgresServer.shared().cluster().createDatabase("lifeboat_drill_20200101t000000z");
    try (Connection c = leftover.open();
        Statement st = c.createStatement()) {
      // what a drill killed mid-way leaves: its mark, under the name it made
      st.execute(
          "COMMENT ON DATABASE lifeboat_drill_20200101t000000z"
              + " IS 'lifeboat:drill-scratch:drill9:lifeboat_drill_20200101t000000z'");
    }

    Result r = s.drill();

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.stdout())
        .contains("cleanup lifeboat_drill_20200101t000000z")
        .contains("left behind by a drill that did not finish");
    assertThat(scratchDatabases()).isEmpty();
  }

  @Test
  void aDatabaseWithTheScratchPrefixThatLifeboatDidNotCreateIsLeftAlone() throws Exception {
    Setup s = backedUp(source, null);
    String mine = "lifeboat_drill_mine_" + System.nanoTime() % 100000;
    PgConnection users = PostgresServer.shared().cluster().createDatabase(mine);
    try {
      try (Connection c = users.open();
          Statement st = c.createStatement()) {
        st.execute("CREATE TABLE ledger (v text); INSERT INTO ledger VALUES ('kept')");
      }

      Result r = s.drill();

      assertThat(r.exitCode()).as(r.toString()).isZero();
      assertThat(r.stdout())
          .contains("cleanup " + mine)
          .contains("left alone: Lifeboat did not create it");
      assertThat(scratchDatabases()).containsExactly(mine);
      assertThat(single(users, "SELECT v FROM ledger")).isEqualTo("kept");
    } finally {
      PostgresServer.shared().dropDatabase(mine);
    }
  }

  @Test
  void aDatabaseHoldingTheScratchNameThatLifeboatDidNotCreateIsRefused() throws Exception {
    Setup s = backedUp(source, null);
    String scratch = "lifeboat_drill_" + s.id().toLowerCase();
    PgConnection users = PostgresServer.shared().cluster().createDatabase(scratch);
    try {
      try (Connection c = users.open();
          Statement st = c.createStatement()) {
        st.execute("CREATE TABLE ledger (v text); INSERT INTO ledger VALUES ('kept')");
      }

      Result r = s.drill();

      assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
      assertThat(r.stderr())
          .contains("database '" + scratch + "' exists but Lifeboat did not create it")
          .contains("rename or drop it by hand");
      assertThat(scratchDatabases()).containsExactly(scratch);
      assertThat(single(users, "SELECT v FROM ledger")).isEqualTo("kept");
    } finally {
      PostgresServer.shared().dropDatabase(scratch);
    }
  }

  @Test
  void aDatabaseRestoredUnderTheScratchPrefixIsRefusedSoNoDrillCanDropIt() throws Exception {
    Setup s = backedUp(source, null);

    Result r =
        s.cli()
            .run(
                "--config",
                s.config().toString(),
                "restore",
                "latest",
                "--into",
                "lifeboat_drill_x",
                "--yes");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr()).contains("--into: 'lifeboat_drill_x' starts with 'lifeboat_drill_'");
    assertThat(scratchDatabases()).isEmpty();
  }

  @Test
  void anAssertionThatReturnsFalseFailsTheDrillByName() throws Exception {
    Path drills = Files.createDirectories(dir.resolve("drills"));
    Files.writeString(drills.resolve("accounts-exist.sql"), "SELECT count(*) > 0 FROM accounts");
    Files.writeString(drills.resolve("no-free-lunch.sql"), "SELECT count(*) = 0 FROM invoices;");
    Setup s = backedUp(source, drills);

    Result r = s.drill("--json");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    JsonNode report = Json.mapper().readTree(r.stdout());
    assertThat(report.get("status").asString()).isEqualTo("failed");
    assertThat(r.stderr()).contains("drill failed: 1 check failed");
    assertThat(r.stderr()).contains("FAILED assert no-free-lunch.sql").contains("returned false");
    assertThat(r.stderr()).contains("ok     assert accounts-exist.sql");
    assertThat(scratchDatabases()).isEmpty();

    // the audit trail says which check failed (it said nothing before history read a check's
    // status)
    Result history =
        s.cli.run("--config", s.config.toString(), "history", "--json", "--job", "drill");
    JsonNode run = Json.mapper().readTree(history.stdout()).get(0);
    assertThat(run.get("outcome").asString()).as(history.toString()).isEqualTo("failed");
    assertThat(run.get("error").asString())
        .as(history.toString())
        .startsWith("assert no-free-lunch.sql: ")
        .contains("returned false");
  }

  @Test
  void assertionsRunForEveryTargetAndPerTargetWithTheirDescriptionInTheReport() throws Exception {
    Path drills = Files.createDirectories(dir.resolve("drills"));
    Files.writeString(
        drills.resolve("accounts-exist.sql"),
        "-- Some accounts survived the restore.\nSELECT count(*) > 0 FROM accounts");
    Files.createDirectories(drills.resolve("app"));
    Files.writeString(
        drills.resolve("app/no-free-lunch.sql"),
        "-- Nobody gets invoices for free:\n--   there are none at all.\nSELECT count(*) = 0 FROM invoices;");
    // another target's assertions are not this target's business
    Files.createDirectories(drills.resolve("billing"));
    Files.writeString(drills.resolve("billing/never-run.sql"), "SELECT false");
    Setup s = backedUp(source, drills);

    Result r = s.drill();

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.all())
        .contains(
            "ok     assert accounts-exist.sql"
                + " ".repeat(40 - "assert accounts-exist.sql".length())
                + " Some accounts survived the restore. (returned true)")
        .contains("FAILED assert app/no-free-lunch.sql")
        .contains("Nobody gets invoices for free: there are none at all. (returned false)")
        .doesNotContain("never-run");
    assertThat(scratchDatabases()).isEmpty();
  }

  @Test
  void aTargetsOwnDrillsDirReplacesTheGlobalOne() throws Exception {
    Path global = Files.createDirectories(dir.resolve("global"));
    Files.writeString(global.resolve("global-fails.sql"), "SELECT false");
    Path own = Files.createDirectories(dir.resolve("own"));
    Files.writeString(own.resolve("own-passes.sql"), "SELECT true");
    Fixture fx =
        new Fixture(dir)
            .filesystem("local", dir.resolve("store"))
            .yaml("  drills:\n    dir: \"" + global + "\"")
            .targetYaml("app", "      drills:\n        dir: \"" + own + "\"");
    Path config = fx.write(source, "app");
    LifeboatCli cli = fx.cli();
    Result backup = cli.run("--config", config.toString(), "backup");
    assertThat(backup.exitCode()).as(backup.toString()).isZero();

    Result r = cli.run("--config", config.toString(), "drill", "--json");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.stdout()).contains("assert own-passes.sql").doesNotContain("global-fails");
  }

  @Test
  void aRestoreThatFailsPartWayFailsTheDrillAndLeavesNoScratchDatabase() throws Exception {
    PgConnection db = PostgresServer.shared().createDatabase("drill_broken");
    String role = "gone_" + System.nanoTime() % 100000;
    try (Connection c = db.open();
        Statement st = c.createStatement()) {
      st.execute("CREATE TABLE fine AS SELECT g FROM generate_series(1, 1000) g");
      st.execute("CREATE ROLE " + role);
      st.execute("CREATE TABLE orphaned (v int)");
      // a grant, not an owner: a drill restores as its own role with --no-owner
      st.execute("GRANT SELECT ON orphaned TO " + role);
    }
    Setup s = backedUp(db, null);
    try (Connection c = db.open();
        Statement st = c.createStatement()) {
      // the archive now names a grantee the drill server no longer has
      st.execute("DROP TABLE orphaned");
      st.execute("DROP ROLE " + role);
    }

    Result r = s.drill("--json");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    JsonNode report = Json.mapper().readTree(r.stdout());
    assertThat(report.get("status").asString()).isEqualTo("failed");
    assertThat(r.stderr())
        .contains("FAILED pg_restore")
        .contains("role \"" + role + "\" does not exist");
    assertThat(scratchDatabases()).isEmpty();
  }

  @Test
  void aCorruptBackupFailsTheDrillAtTheChecksum() throws Exception {
    Setup s = backedUp(source, null);
    Path dump = dir.resolve("store/app/" + s.id() + "/dump");
    byte[] bytes = Files.readAllBytes(dump);
    bytes[bytes.length / 2] ^= 0x08;
    Files.write(dump, bytes);

    Result r = s.drill();

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.stdout()).contains("FAILED checksum").contains("no store holds a good copy");
    assertThat(scratchDatabases()).isEmpty();
  }

  @Test
  void aSecondDrillOnTheSameServerRefusesWhileOneRuns() throws Exception {
    Setup s = backedUp(source, null);
    try (Connection holder = source.withDatabase("postgres").open();
        Statement st = holder.createStatement()) {
      st.execute(
          "SELECT pg_advisory_lock("
              + dev.lifeboat.pg.AdvisoryLock.CLASS
              + ", "
              + dev.lifeboat.pg.AdvisoryLock.DRILL
              + ")");
      Result r = s.drill();
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
      assertThat(r.stdout()).contains("FAILED drill").contains("another drill is running");
    }
  }

  @Test
  void aDrillRunsOnTheSeparateDrillServerWhenOneIsConfigured() throws Exception {
    PostgresServer shared = PostgresServer.shared();
    Path clusterDir = java.nio.file.Files.createTempDirectory(Path.of("/tmp"), "drill-server-");
    try (dev.lifeboat.demo.LocalCluster drillServer =
        dev.lifeboat.demo.LocalCluster.start(
                clusterDir, shared.binaries(), shared.superuserPassword())
            .deleteOnClose(true)) {
      // pg_dump carries no roles: a drill server needs the roles the policies name
      drillServer.execute("CREATE ROLE app_tenant NOLOGIN");
      Fixture fx = new Fixture(dir).filesystem("local", dir.resolve("store"));
      Path config = fx.write(source, "app");
      String drillUrl = "jdbc:postgresql://127.0.0.1:" + drillServer.port() + "/postgres";
      Files.writeString(
          config,
          Files.readString(config)
              .replace(
                  "      password: \"${APP_DB_PASSWORD}\"\n",
                  "      password: \"${APP_DB_PASSWORD}\"\n      drill-url: \""
                      + drillUrl
                      + "\"\n"));
      LifeboatCli cli = fx.cli();
      assertThat(cli.run("--config", config.toString(), "backup").exitCode()).isZero();

      Result r = cli.run("--config", config.toString(), "drill", "--keep");

      assertThat(r.exitCode()).as(r.toString()).isZero();
      assertThat(scratchDatabases()).as("nothing on the target's own server").isEmpty();
      try (Connection c = drillServer.connection("postgres").open();
          Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT count(*) FROM pg_database WHERE datname LIKE 'lifeboat\\_drill\\_%'")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(1);
      }
    }
  }

  static String single(PgConnection db, String sql) throws Exception {
    try (Connection c = db.open();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  static List<String> scratchDatabases() throws Exception {
    List<String> names = new ArrayList<>();
    try (Connection c = source.withDatabase("postgres").open();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT datname FROM pg_database WHERE datname LIKE 'lifeboat\\_drill\\_%'")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }
}
