package dev.lifeboat.migrate;

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
        "CREATE TABLE counter (n int);\nSELECT pg_sleep(8);\nINSERT INTO counter VALUES (1);\n");
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
    // the second waited for the first instead of failing or running beside it
    assertThat(a.stderr() + b.stderr())
        .containsOnlyOnce("another migrate apply of target 'app' is running; waiting for it");
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

  @Test
  void aDryRunRehearsesOnASchemaCopyReportsLocksAndLeavesTheTargetByteIdentical() throws Exception {
    Setup s = setup("mig_dry", "");
    sql(
        s.db(),
        "CREATE TABLE accounts (id bigint PRIMARY KEY, balance int);"
            + " INSERT INTO accounts SELECT g, g FROM generate_series(1, 100) g");
    s.file("V1__notes.sql", "CREATE TABLE notes (id bigint PRIMARY KEY);\n");
    s.file("V2__email.sql", "ALTER TABLE accounts ADD COLUMN email text;\n");
    s.file(
        "V3__balance_index.sql",
        "CREATE INDEX accounts_balance ON accounts (balance);\nSELECT 1;\n");
    String before = schemaDump(s.db());

    Result dry = s.migrate("apply", "--dry-run", "--json");

    assertThat(dry.exitCode()).as(dry.toString()).isZero();
    JsonNode r = Json.mapper().readTree(dry.stdout());
    assertThat(r.get("status").asString()).isEqualTo("passed");
    assertThat(r.get("copy").asString()).isEqualTo("schema-only");
    assertThat(r.get("scratchDropped").asBoolean()).isTrue();
    assertThat(versions(r.get("plan"))).containsExactly("1", "2", "3");
    assertThat(r.get("plan").get(1).get("sql").asString()).contains("ADD COLUMN email");
    assertThat(r.get("plan").get(1).get("checksum").isNumber()).isTrue();
    JsonNode rehearsal = r.get("rehearsal");
    assertThat(rehearsal.size()).isEqualTo(3);
    rehearsal.forEach(m -> assertThat(m.get("ok").asBoolean()).as(m.toString()).isTrue());
    assertThat(rehearsal.get(1).get("statements").get(0).get("locks").toString())
        .contains("AccessExclusiveLock on accounts");
    assertThat(rehearsal.get(2).get("statements").get(0).get("locks").toString())
        .contains("ShareLock on accounts");
    assertThat(rehearsal.get(2).get("statements").get(1).get("locks").size()).isZero();

    assertThat(schemaDump(s.db())).isEqualTo(before);
    assertThat(tables(s.db())).containsExactly("accounts");
    assertThat(databases("lifeboat_rehearsal_")).isEmpty();

    Result human = s.migrate("apply", "--dry-run");
    assertThat(human.exitCode()).as(human.toString()).isZero();
    assertThat(human.stdout())
        .contains("V2__email.sql (version 2, checksum")
        .contains("| ALTER TABLE accounts ADD COLUMN email text;")
        .contains("-> AccessExclusiveLock on accounts")
        .contains("dry run passed");
    assertThat(schemaDump(s.db())).isEqualTo(before);
  }

  @Test
  void aDryRunOfAFailingMigrationSaysWhichAndWhyAndLeavesNothingBehind() throws Exception {
    Setup s = setup("mig_dry_fail", "");
    sql(s.db(), "CREATE TABLE accounts (id bigint PRIMARY KEY)");
    s.file("V1__ok.sql", "ALTER TABLE accounts ADD COLUMN note text;\n");
    s.file("V2__bad.sql", "ALTER TABLE accounts ADD COLUMN note text;\n");
    s.file("V3__never.sql", "CREATE TABLE never (id int);\n");
    String before = schemaDump(s.db());

    Result dry = s.migrate("apply", "--dry-run", "--json");

    assertThat(dry.exitCode()).as(dry.toString()).isEqualTo(1);
    JsonNode r = Json.mapper().readTree(dry.stdout());
    assertThat(r.get("status").asString()).isEqualTo("failed");
    assertThat(r.get("error").asString())
        .contains("V2__bad.sql")
        .contains("column \"note\" of relation \"accounts\" already exists");
    assertThat(r.get("rehearsal").size()).isEqualTo(2);
    assertThat(r.get("rehearsal").get(0).get("ok").asBoolean()).isTrue();
    assertThat(r.get("rehearsal").get(1).get("ok").asBoolean()).isFalse();
    assertThat(schemaDump(s.db())).isEqualTo(before);
    assertThat(databases("lifeboat_rehearsal_")).isEmpty();
  }

  @Test
  void aDryRunWithDataCatchesWhatTheSchemaAloneCannot() throws Exception {
    Setup s = setup("mig_dry_data", "");
    sql(
        s.db(),
        "CREATE TABLE accounts (id bigint PRIMARY KEY, balance int);"
            + " INSERT INTO accounts VALUES (1, 10), (2, -5)");
    s.file(
        "V1__positive.sql",
        "ALTER TABLE accounts ADD CONSTRAINT positive_balance CHECK (balance >= 0);\n");
    Result backup = s.cli().run("--config", s.config().toString(), "backup");
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    String before = schemaDump(s.db());

    Result schemaOnly = s.migrate("apply", "--dry-run");
    Result withData = s.migrate("apply", "--dry-run", "--with-data", "--json");

    assertThat(schemaOnly.exitCode()).as(schemaOnly.toString()).isZero();
    assertThat(withData.exitCode()).as(withData.toString()).isEqualTo(1);
    JsonNode r = Json.mapper().readTree(withData.stdout());
    assertThat(r.get("copy").asString()).isEqualTo("backup " + backup.stdout().trim());
    assertThat(r.get("error").asString())
        .contains("V1__positive.sql")
        .contains("is violated by some row");
    assertThat(r.get("scratchDropped").asBoolean()).isTrue();
    assertThat(databases("lifeboat_drill_")).isEmpty();
    assertThat(schemaDump(s.db())).isEqualTo(before);
  }

  @Test
  void aDryRunRollsBackRolesDatabaseSettingsAndGrantsSoTheRealApplyStillSucceeds()
      throws Exception {
    Setup s = setup("mig_dry_roles", "");
    String db = s.db().database();
    String reader = db + "_reader";
    String writer = db + "_writer";
    s.file("V1__notes.sql", "CREATE TABLE notes (id bigint PRIMARY KEY, body text);\n");
    s.file(
        "V2__roles.sql",
        "-- CREATE DATABASE in a comment; ALTER SYSTEM SET work_mem = '1GB';\n"
            + "CREATE ROLE "
            + reader
            + " NOLOGIN;\n"
            + "ALTER DATABASE "
            + db
            + " SET statement_timeout = '31s';\n"
            + "GRANT CONNECT ON DATABASE "
            + db
            + " TO "
            + reader
            + ";\n"
            + "INSERT INTO notes VALUES (1, 'DROP DATABASE x; CREATE TABLESPACE y LOCATION ''/z''');\n"
            + "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '"
            + writer
            + "') THEN\n    CREATE ROLE "
            + writer
            + " NOLOGIN;\n  END IF;\nEND\n$$;\n");
    // needs V2's roles: the rehearsal must carry them into V3 without committing them
    s.file(
        "V3__grants.sql",
        "GRANT SELECT ON notes TO " + reader + ";\nGRANT INSERT ON notes TO " + writer + ";\n");
    String before = schemaDump(s.db());

    Result dry = s.migrate("apply", "--dry-run", "--json");

    assertThat(dry.exitCode()).as(dry.toString()).isZero();
    assertThat(roleExists(s.db(), reader)).isFalse();
    assertThat(roleExists(s.db(), writer)).isFalse();
    assertThat(databaseSettings(s.db())).isEmpty();
    assertThat(databaseAcl(s.db())).isNull();
    JsonNode r = Json.mapper().readTree(dry.stdout());
    assertThat(r.get("status").asString()).isEqualTo("passed");
    assertThat(r.get("server").asString()).isEqualTo("the target's server");
    assertThat(r.get("rolledBackFrom").asString()).isEqualTo("2");
    assertThat(r.get("clusterWide").toString())
        .contains("V2__roles.sql line 2: CREATE ROLE " + reader)
        .contains("V2__roles.sql line 3: ALTER DATABASE " + db)
        .contains("V2__roles.sql line 4: GRANT CONNECT ON DATABASE")
        .contains("V2__roles.sql line 6: DO $$")
        .doesNotContain("INSERT INTO notes");
    r.get("rehearsal").forEach(m -> assertThat(m.get("ok").asBoolean()).as(m.toString()).isTrue());
    assertThat(r.get("rehearsal").size()).isEqualTo(3);
    assertThat(schemaDump(s.db())).isEqualTo(before);
    assertThat(databases("lifeboat_rehearsal_")).isEmpty();
    assertThat(dry.stderr()).contains("in one transaction rolled back at the end");

    Result apply = s.migrate("apply");
    try {
      assertThat(apply.exitCode()).as(apply.toString()).isZero();
      assertThat(roleExists(s.db(), reader)).isTrue();
      assertThat(databaseSettings(s.db())).contains("statement_timeout=31s");
      assertThat(databaseAcl(s.db())).contains(reader + "=c/");
    } finally {
      sql(s.db(), "DROP OWNED BY " + reader + ", " + writer);
      sql(s.db(), "DROP ROLE IF EXISTS " + reader + ", " + writer);
    }
  }

  @Test
  void aDryRunRefusesAStatementNoTransactionCanUndoNamingItsFileAndLine() throws Exception {
    Setup s = setup("mig_dry_createdb", "");
    String other = s.db().database() + "_reports";
    s.file("V1__notes.sql", "CREATE TABLE notes (id bigint PRIMARY KEY);\n");
    s.file("V2__reports_database.sql", "-- a second database\n\nCREATE DATABASE " + other + ";\n");
    s.file("V2__reports_database.sql.conf", "executeInTransaction=false\n");

    Result dry = s.migrate("apply", "--dry-run");

    assertThat(dry.exitCode()).as(dry.toString()).isEqualTo(2);
    assertThat(dry.stderr())
        .contains("V2__reports_database.sql line 3: CREATE DATABASE " + other)
        .contains("cannot run inside a transaction")
        .contains("nothing was rehearsed or changed");
    assertThat(databases(other)).isEmpty();
    assertThat(databases("lifeboat_rehearsal_")).isEmpty();
    assertThat(tables(s.db())).isEmpty();
  }

  @Test
  void aDryRunThatChangesTheServerWhereNoScanCanSeeFailsAndSaysWhatChanged() throws Exception {
    Setup s = setup("mig_dry_hidden", "");
    String hidden = s.db().database() + "_hidden";
    // the role is made by a function called at run time: no statement of the files shows it
    s.file(
        "V1__role_maker.sql",
        "CREATE FUNCTION make_role(name text) RETURNS void LANGUAGE plpgsql AS $$\n"
            + "BEGIN EXECUTE 'CREATE ' || 'ROLE ' || quote_ident(name); END $$;\n");
    s.file("V2__use_it.sql", "SELECT make_role('" + hidden + "');\n");
    try {
      Result dry = s.migrate("apply", "--dry-run");

      assertThat(dry.exitCode()).as(dry.toString()).isEqualTo(1);
      assertThat(dry.stderr())
          .contains("the rehearsal changed the target's server outside its scratch database")
          .contains("+ role " + hidden)
          .contains("drill-url");
      assertThat(dry.stdout()).doesNotContain("dry run passed");
      assertThat(databases("lifeboat_rehearsal_")).isEmpty();
    } finally {
      sql(s.db(), "DROP ROLE IF EXISTS " + hidden);
    }
  }

  @Test
  void aDryRunRehearsesOnTheDrillServerWhenTheTargetHasOne() throws Exception {
    PgConnection db = PostgresServer.shared().createDatabase("mig_dry_drillsrv");
    String tenant = db.database() + "_tenant";
    sql(db, "CREATE ROLE " + tenant + " NOLOGIN");
    sql(
        db,
        "CREATE TABLE docs (id bigint PRIMARY KEY, account_id bigint);"
            + " ALTER TABLE docs ENABLE ROW LEVEL SECURITY;"
            + " CREATE POLICY mine ON docs TO "
            + tenant
            + " USING (account_id = nullif(current_setting('app.account_id', true), '')::bigint)");
    PostgresServer drillHost = PostgresServer.startNew();
    try {
      try (Connection c = drillHost.connection("postgres").open();
          Statement st = c.createStatement()) {
        st.execute("ALTER ROLE " + db.user() + " PASSWORD '" + db.password() + "'");
      }
      PgConnection drillServer =
          PgConnection.fromJdbcUrl(
              drillHost.connection("postgres").jdbcUrl(), db.user(), db.password());
      Path migrations = Files.createDirectories(dir.resolve("migrations"));
      Files.writeString(
          migrations.resolve("V1__settings.sql"),
          "ALTER DATABASE "
              + db.database()
              + " SET work_mem = '7MB';\nALTER TABLE docs ADD COLUMN title text;\n");
      Fixture fx =
          new Fixture(dir)
              .filesystem("local", dir.resolve("store"))
              .targetYaml(
                  "app",
                  "      drill-url: \"jdbc:postgresql://"
                      + drillServer.host()
                      + ":"
                      + drillServer.port()
                      + "/postgres\"")
              .yaml("  migrations:\n    dir: \"" + migrations + "\"");
      Path config = fx.write(db, "app");

      Result dry =
          fx.cli().run("--config", config.toString(), "migrate", "apply", "--dry-run", "--json");

      assertThat(dry.exitCode()).as(dry.toString()).isZero();
      // the copy was made there: the role its policy names was created there
      assertThat(roleExists(drillServer, tenant)).isTrue();
      JsonNode r = Json.mapper().readTree(dry.stdout());
      assertThat(r.get("status").asString()).isEqualTo("passed");
      assertThat(r.get("server").asString())
          .isEqualTo("the drill server " + drillServer.host() + ":" + drillServer.port());
      assertThat(r.get("leftovers").toString()).contains("role " + tenant + " (NOLOGIN)");
      assertThat(databaseSettings(db)).isEmpty();
      assertThat(columns(db, "docs")).containsExactly("id", "account_id");
      assertThat(databases("lifeboat_rehearsal_")).isEmpty();
      try (Connection c = drillServer.open();
          Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT count(*) FROM pg_database WHERE datname LIKE 'lifeboat_rehearsal_%'"
                      + " OR datname = '"
                      + db.database()
                      + "'")) {
        rs.next();
        assertThat(rs.getInt(1)).isZero();
      }
      assertThat(dry.all()).doesNotContain(db.password());
    } finally {
      drillHost.cluster().close();
      sql(db, "DROP OWNED BY " + tenant);
      sql(db, "DROP ROLE " + tenant);
    }
  }

  @Test
  void aSafeApplyThatFailsNamesThePreMigrationBackupAndTheRestoreThatUndoesIt() throws Exception {
    Setup s = setup("mig_safe_fail", "");
    sql(
        s.db(),
        "CREATE TABLE accounts (id bigint PRIMARY KEY, balance int);"
            + " INSERT INTO accounts SELECT g, g FROM generate_series(1, 50) g");
    s.file("V1__email.sql", "ALTER TABLE accounts ADD COLUMN email text;\n");
    s.file("V2__broken.sql", "UPDATE accounts SET balance = 0;\nSELECT * FROM nowhere;\n");

    Result apply = s.migrate("apply", "--safe");

    assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
    JsonNode pre = backup(s, "pre-migrate-2");
    String id = pre.get("id").asString();
    String undo =
        "lifeboat restore " + id + " --target app --into " + s.db().database() + " --clean --yes";
    assertThat(apply.all())
        .contains("V2__broken.sql")
        .contains("relation \"nowhere\" does not exist")
        .contains("pre-migration backup is " + id)
        .contains("to undo: " + undo);
    assertThat(apply.all()).doesNotContain(s.db().password());
    assertThat(backup(s, "post-migrate-2")).isNull();
    assertThat(columns(s.db(), "accounts")).containsExactly("id", "balance", "email");

    // the printed command is the one that works
    List<String> restore = new ArrayList<>(List.of("--config", s.config().toString()));
    restore.addAll(List.of(undo.substring("lifeboat ".length()).split(" ")));
    Result undone = s.cli().run(restore.toArray(String[]::new));
    assertThat(undone.exitCode()).as(undone.toString()).isZero();
    assertThat(columns(s.db(), "accounts")).containsExactly("id", "balance");
    assertThat(count(s.db(), "SELECT sum(balance) FROM accounts")).isEqualTo(1275);
  }

  @Test
  void aSafeApplyWithRestoreOnFailureRestoresTheTargetWhenAPostCheckFails() throws Exception {
    Path drills = Files.createDirectories(dir.resolve("drills"));
    Files.writeString(drills.resolve("accounts-kept.sql"), "SELECT count(*) = 50 FROM accounts\n");
    Setup s = setup("mig_safe_restore", "\n  drills:\n    dir: \"" + drills + "\"");
    sql(
        s.db(),
        "CREATE TABLE accounts (id bigint PRIMARY KEY, balance int);"
            + " INSERT INTO accounts SELECT g, g FROM generate_series(1, 50) g");
    s.file("V1__purge.sql", "DELETE FROM accounts WHERE id > 40;\n");

    Result apply = s.migrate("apply", "--safe", "--restore-on-failure", "--json");

    assertThat(apply.exitCode()).as(apply.toString()).isEqualTo(1);
    JsonNode r = Json.mapper().readTree(apply.stdout());
    assertThat(r.get("restored").asBoolean()).isTrue();
    assertThat(r.get("postChecks").toString()).contains("FAILED assert accounts-kept.sql");
    assertThat(r.get("error").asString())
        .contains("a post-check failed")
        .contains("restored the pre-migration backup " + r.get("preBackup").asString());
    assertThat(count(s.db(), "SELECT count(*) FROM accounts")).isEqualTo(50);
    assertThat(tables(s.db())).doesNotContain(Migrations.HISTORY);
    assertThat(backup(s, "pre-migrate-1")).isNotNull();
    Result history =
        s.cli().run("--config", s.config().toString(), "history", "--json", "--job", "migrate");
    JsonNode run = Json.mapper().readTree(history.stdout()).get(0);
    assertThat(run.get("outcome").asString()).isEqualTo("failed");
  }

  @Test
  void requireSafeRefusesAPlainApplyAndASafeOneTakesVerifiedBackupsAroundIt() throws Exception {
    Setup s = setup("mig_require_safe", "\n    require-safe: true");
    sql(s.db(), "CREATE TABLE accounts (id bigint PRIMARY KEY)");
    s.file("V1__email.sql", "ALTER TABLE accounts ADD COLUMN email text;\n");

    Result plain = s.migrate("apply");

    assertThat(plain.exitCode()).as(plain.toString()).isEqualTo(2);
    assertThat(plain.stderr())
        .contains("lifeboat.migrations.require-safe")
        .contains("--safe")
        .contains("nothing was changed");
    assertThat(columns(s.db(), "accounts")).containsExactly("id");

    Result safe = s.migrate("apply", "--safe", "--json");

    assertThat(safe.exitCode()).as(safe.toString()).isZero();
    JsonNode r = Json.mapper().readTree(safe.stdout());
    assertThat(r.get("status").asString()).isEqualTo("applied");
    assertThat(r.get("postChecks").get(0).asString()).startsWith("ok status");
    assertThat(r.get("preBackup").asString())
        .isEqualTo(backup(s, "pre-migrate-1").get("id").asString());
    assertThat(r.get("postBackup").asString())
        .isEqualTo(backup(s, "post-migrate-1").get("id").asString());
    assertThat(columns(s.db(), "accounts")).containsExactly("id", "email");
  }

  /** The newest backup with {@code label}, or null. */
  private static JsonNode backup(Setup s, String label) throws Exception {
    Result list = s.cli().run("--config", s.config().toString(), "backups", "--json");
    assertThat(list.exitCode()).as(list.toString()).isZero();
    for (JsonNode b : Json.mapper().readTree(list.stdout())) {
      if (label.equals(b.get("label").asString())) {
        return b;
      }
    }
    return null;
  }

  private static long count(PgConnection db, String sql) throws SQLException {
    try (Connection c = db.open();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void sql(PgConnection db, String sql) throws SQLException {
    try (Connection c = db.open();
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  private static boolean roleExists(PgConnection db, String role) throws SQLException {
    try (Connection c = db.open();
        var ps = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
      ps.setString(1, role);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** The settings of the database itself (ALTER DATABASE ... SET), for every role. */
  private static List<String> databaseSettings(PgConnection db) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = db.open();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT unnest(setconfig) FROM pg_db_role_setting s JOIN pg_database d"
                    + " ON d.oid = s.setdatabase WHERE d.datname = current_database()")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  private static String databaseAcl(PgConnection db) throws SQLException {
    try (Connection c = db.open();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT datacl::text FROM pg_database WHERE datname = current_database()")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static List<String> databases(String prefix) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = PostgresServer.shared().connection("postgres").open();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT datname FROM pg_database")) {
      while (rs.next()) {
        if (rs.getString(1).startsWith(prefix)) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

  /** pg_dump --schema-only of the database, as text, without its per-run random key. */
  private static String schemaDump(PgConnection db) throws Exception {
    var pgDump = PostgresServer.shared().binaries().require("pg_dump", 15);
    ProcessBuilder pb =
        new ProcessBuilder(
                pgDump.path().toString(),
                "--schema-only",
                "--host=" + db.host(),
                "--port=" + db.port(),
                "--username=" + db.user(),
                "--dbname=" + db.database())
            .redirectErrorStream(true);
    pb.environment().put("PGPASSWORD", db.password() == null ? "" : db.password());
    Process p = pb.start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    // pg_dump's restrict line carries a fresh random key on every run
    return out.replaceAll("(?m)^\\\\(un)?restrict .*$", "");
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
