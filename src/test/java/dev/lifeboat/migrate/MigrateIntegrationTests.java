package dev.lifeboat.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.Json;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Versioned migrations through the real jar against the shared PostgreSQL cluster. */
class MigrateIntegrationTests {

  @TempDir Path dir;

  private record Setup(PgConnection db, Path migrations, Path config, LifeboatCli cli) {
    Result migrate(String... args) {
      List<String> all = new ArrayList<>(List.of("--config", config.toString(), "migrate"));
      all.addAll(List.of(args));
      return cli.run(all.toArray(String[]::new));
    }

    LifeboatCli.Running start(String... args) {
      List<String> all = new ArrayList<>(List.of("--config", config.toString(), "migrate"));
      all.addAll(List.of(args));
      return cli.start(all.toArray(String[]::new));
    }

    void file(String name, String sql) throws Exception {
      Files.writeString(migrations.resolve(name), sql);
    }
  }

  private Setup setup(String hint, String extraYaml) throws Exception {
    PgConnection db = PostgresServer.shared().createDatabase(hint);
    Path migrations = Files.createDirectories(dir.resolve("migrations"));
    Fixture fx = new Fixture(dir).filesystem("local", dir.resolve("store"));
    fx.yaml("  migrations:\n    dir: \"" + migrations + "\"" + extraYaml);
    Path config = fx.write(db, "app");
    return new Setup(db, migrations, config, fx.cli());
  }

  @Test
  void aFailingThirdOfFiveMigrationsIsRolledBackTheFirstTwoStayAndNothingAfterItRuns()
      throws Exception {
    Setup s = setup("mig_fail", "");
    s.file("V1__accounts.sql", "CREATE TABLE accounts (id bigint PRIMARY KEY);\n");
    s.file("V2__notes.sql", "CREATE TABLE notes (id bigint PRIMARY KEY);\n");
    s.file(
        "V3__broken.sql",
        "-- a comment\nCREATE TABLE half_done (id int);\n\nINSERT INTO no_such_table VALUES (1);\n");
    s.file("V4__later.sql", "CREATE TABLE later (id int);\n");
    s.file("V5__last.sql", "CREATE TABLE last_one (id int);\n");

    Result apply = s.migrate("apply");

    assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
    assertThat(apply.stderr())
        .contains("V3__broken.sql")
        .contains("line 4")
        .contains("relation \"no_such_table\" does not exist")
        .contains("rolled back");
    assertThat(apply.all()).doesNotContain(s.db().password());
    assertThat(tables(s.db())).contains("accounts", "notes").doesNotContain("half_done", "later");
    assertThat(tables(s.db())).doesNotContain("last_one");

    Result status = s.migrate("status", "--json");
    assertThat(status.exitCode()).as(status.toString()).isZero();
    JsonNode st = Json.mapper().readTree(status.stdout());
    assertThat(versions(st.get("applied"))).containsExactly("1", "2");
    assertThat(versions(st.get("pending"))).containsExactly("3", "4", "5");
    JsonNode run = st.get("runs").get(0);
    assertThat(run.get("job").asString()).isEqualTo("migrate");
    assertThat(run.get("outcome").asString()).isEqualTo("failed");
    assertThat(run.get("error").asString()).contains("V3__broken.sql");

    // fixed, the same command applies the rest, and history tells both runs apart
    s.file("V3__broken.sql", "CREATE TABLE half_done (id int);\n");
    Result again = s.migrate("apply", "--json");
    assertThat(again.exitCode()).as(again.toString()).isZero();
    JsonNode r = Json.mapper().readTree(again.stdout());
    assertThat(r.get("status").asString()).isEqualTo("applied");
    assertThat(versions(r.get("migrations"))).containsExactly("3", "4", "5");
    assertThat(tables(s.db())).contains("half_done", "later", "last_one");
    Result history =
        s.cli().run("--config", s.config().toString(), "history", "--json", "--job", "migrate");
    JsonNode runs = Json.mapper().readTree(history.stdout());
    assertThat(runs.size()).isEqualTo(2);
    assertThat(runs.get(0).get("outcome").asString()).isEqualTo("success");
    assertThat(runs.get(0).get("trigger").asString()).isEqualTo("cli");
    assertThat(runs.get(1).get("outcome").asString()).isEqualTo("failed");
  }

  @Test
  void anEditedAppliedFileIsAProblemAndApplyRefusesUntilItIsPutBack() throws Exception {
    Setup s = setup("mig_edit", "");
    String original = "CREATE TABLE accounts (id bigint PRIMARY KEY);\n";
    s.file("V1__accounts.sql", original);
    assertThat(s.migrate("apply").exitCode()).isZero();
    s.file("V1__accounts.sql", "CREATE TABLE accounts (id bigint PRIMARY KEY, extra text);\n");
    s.file("V2__notes.sql", "CREATE TABLE notes (id bigint PRIMARY KEY);\n");

    Result status = s.migrate("status", "--json");
    assertThat(status.exitCode()).as(status.toString()).isEqualTo(1);
    JsonNode problem = Json.mapper().readTree(status.stdout()).get("problems").get(0);
    assertThat(problem.get("kind").asString()).isEqualTo("CHECKSUM_CHANGED");
    assertThat(problem.get("script").asString()).isEqualTo("V1__accounts.sql");
    assertThat(s.migrate("status").stdout()).contains("PROBLEM checksum-changed");

    Result apply = s.migrate("apply");
    assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
    assertThat(apply.stderr())
        .contains("refused")
        .contains("V1__accounts.sql changed after it was applied")
        .contains("to fix:")
        .contains("nothing was applied");
    assertThat(tables(s.db())).doesNotContain("notes");

    s.file("V1__accounts.sql", original);
    Result fixed = s.migrate("apply");
    assertThat(fixed.exitCode()).as(fixed.toString()).isZero();
    assertThat(tables(s.db())).contains("notes");
    assertThat(s.migrate("status").exitCode()).isZero();
  }

  @Test
  void aMissingFileOfAnAppliedVersionIsAProblem() throws Exception {
    Setup s = setup("mig_missing", "");
    s.file("V1__accounts.sql", "CREATE TABLE accounts (id bigint PRIMARY KEY);\n");
    assertThat(s.migrate("apply").exitCode()).isZero();
    Files.delete(s.migrations().resolve("V1__accounts.sql"));

    Result status = s.migrate("status", "--json");

    assertThat(status.exitCode()).as(status.toString()).isEqualTo(1);
    JsonNode problem = Json.mapper().readTree(status.stdout()).get("problems").get(0);
    assertThat(problem.get("kind").asString()).isEqualTo("MISSING_FILE");
    assertThat(problem.get("fix").asString()).contains("restore V1__accounts.sql");
  }

  @Test
  void createIndexConcurrentlyRunsOutsideATransactionWhenItsFileSaysSo() throws Exception {
    Setup s = setup("mig_cic", "");
    s.file(
        "V1__events.sql",
        "CREATE TABLE events (id bigint PRIMARY KEY, kind text);\n"
            + "INSERT INTO events SELECT g, 'k' || (g % 10) FROM generate_series(1, 5000) g;\n");
    s.file(
        "V2__events_kind_index.sql", "CREATE INDEX CONCURRENTLY events_kind ON events (kind);\n");
    s.file("V2__events_kind_index.sql.conf", "executeInTransaction=false\n");

    Result apply = s.migrate("apply");

    assertThat(apply.exitCode()).as(apply.toString()).isZero();
    try (Connection c = s.db().open();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                    + " WHERE c.relname = 'events_kind'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getBoolean(1)).isTrue();
    }
    assertThat(s.migrate("status").exitCode()).isZero();
  }

  @Test
  void aMigrationBlockedByAHeldLockFailsOnLockTimeoutAndAppliesNothing() throws Exception {
    Setup s = setup("mig_lock", "\n    lock-timeout: 1s");
    try (Connection c = s.db().open();
        Statement st = c.createStatement()) {
      st.execute("CREATE TABLE busy (id int)");
    }
    s.file("V1__add_column.sql", "ALTER TABLE busy ADD COLUMN note text;\n");
    try (Connection holder = s.db().open()) {
      holder.setAutoCommit(false);
      try (Statement st = holder.createStatement()) {
        st.execute("LOCK TABLE busy IN ACCESS SHARE MODE");
        st.execute("SELECT count(*) FROM busy");
      }
      long started = System.nanoTime();
      Result apply = s.migrate("apply");
      double seconds = (System.nanoTime() - started) / 1e9;

      assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
      assertThat(apply.stderr())
          .contains("V1__add_column.sql")
          .contains("canceling statement due to lock timeout")
          .contains("rolled back");
      assertThat(seconds).isLessThan(60);
      holder.rollback();
    }
    assertThat(columns(s.db(), "busy")).containsExactly("id");
    Result status = s.migrate("status", "--json");
    assertThat(versions(Json.mapper().readTree(status.stdout()).get("pending")))
        .containsExactly("1");
    Result later = s.migrate("apply");
    assertThat(later.exitCode()).as(later.toString()).isZero();
    assertThat(columns(s.db(), "busy")).containsExactly("id", "note");
  }

  @Test
  void twoConcurrentAppliesAreSerialisedAndEachMigrationRunsOnce() throws Exception {
    Setup s = setup("mig_concurrent", "");
    s.file(
        "V1__slow.sql",
        "CREATE TABLE counter (n int);\nSELECT pg_sleep(4);\nINSERT INTO counter VALUES (1);\n");
    s.file("V2__more.sql", "INSERT INTO counter VALUES (2);\n");

    LifeboatCli.Running first = s.start("apply", "--json");
    LifeboatCli.Running second = s.start("apply", "--json");
    Result a = first.await(Duration.ofMinutes(5));
    Result b = second.await(Duration.ofMinutes(5));

    assertThat(a.exitCode()).as(a.toString()).isZero();
    assertThat(b.exitCode()).as(b.toString()).isZero();
    int applied =
        Json.mapper().readTree(a.stdout()).get("migrations").size()
            + Json.mapper().readTree(b.stdout()).get("migrations").size();
    assertThat(applied).isEqualTo(2);
    try (Connection c = s.db().open();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*), sum(n) FROM counter")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(2);
      assertThat(rs.getInt(2)).isEqualTo(3);
    }
  }

  @Test
  void newCreatesTheNextVersionsFileWithAHeader() throws Exception {
    Setup s = setup("mig_new", "");
    s.file("V1__accounts.sql", "CREATE TABLE accounts (id bigint PRIMARY KEY);\n");
    s.file("V7__notes.sql", "CREATE TABLE notes (id bigint PRIMARY KEY);\n");

    Result created = s.migrate("new", "Add email index");

    assertThat(created.exitCode()).as(created.toString()).isZero();
    Path file = s.migrations().resolve("V8__add_email_index.sql");
    assertThat(created.stdout().trim()).isEqualTo(file.toString());
    assertThat(Files.readString(file))
        .startsWith("-- V8: Add email index\n")
        .contains("executeInTransaction=false");
    Files.writeString(
        file,
        Files.readString(file) + "CREATE INDEX accounts_id ON accounts (id);\n",
        java.nio.charset.StandardCharsets.UTF_8);
    assertThat(s.migrate("apply").exitCode()).isZero();
    JsonNode st = Json.mapper().readTree(s.migrate("status", "--json").stdout());
    assertThat(versions(st.get("applied"))).containsExactly("1", "7", "8");
    JsonNode v8 = st.get("applied").get(2);
    assertThat(v8.get("checksum").isNull()).isFalse();
    assertThat(v8.get("installedBy").asString()).isEqualTo(s.db().user());
    assertThat(v8.get("installedOn").asString()).isNotBlank();
  }

  private static List<String> versions(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.get("version").asString()));
    return out;
  }

  private static List<String> tables(PgConnection db) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = db.open();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  private static List<String> columns(PgConnection db, String table) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = db.open();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT attname FROM pg_attribute WHERE attrelid = '"
                    + table
                    + "'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
