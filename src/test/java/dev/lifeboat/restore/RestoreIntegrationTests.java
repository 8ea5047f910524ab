package dev.lifeboat.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lifeboat.Json;
import dev.lifeboat.pg.PgCatalog;
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
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Restore through the real jar: verified fetch, store fallback, safety rules, staging and swap. */
class RestoreIntegrationTests {

  static PgConnection source;
  static Map<String, Long> sourceCounts;

  @TempDir Path dir;
  Fixture fx;
  Path config;
  LifeboatCli cli;
  String id;

  @BeforeAll
  static void database() throws Exception {
    source = PostgresServer.shared().createExampleDatabase("restore_src", 1);
    sourceCounts = counts(source);
  }

  @BeforeEach
  void backup() throws Exception {
    fx =
        new Fixture(dir)
            .filesystem("local-a", dir.resolve("a"))
            .filesystem("local-b", dir.resolve("b"));
    config = fx.write(source, "app");
    cli = fx.cli();
    Result backup = cli.run("--config", config.toString(), "backup");
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    id = backup.stdout().trim();
  }

  private Result restore(String... args) {
    String[] all = new String[args.length + 3];
    all[0] = "--config";
    all[1] = config.toString();
    all[2] = "restore";
    System.arraycopy(args, 0, all, 3, args.length);
    return cli.run(all);
  }

  private static String newName(String hint) {
    return hint + "_" + System.nanoTime() % 1_000_000;
  }

  @Test
  void aRestoreIntoANewDatabaseMatchesTheManifestTableByTable() throws Exception {
    String db = newName("restored");

    Result r = restore("latest", "--into", db, "--yes", "--json");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.stderr())
        .contains("restore plan:", "(new: it will be created)", "local-a, then local-b");
    JsonNode result = Json.mapper().readTree(r.stdout());
    assertThat(result.get("status").asString()).isEqualTo("restored");
    assertThat(result.get("store").asString()).isEqualTo("local-a");
    assertThat(counts(source.withDatabase(db))).isEqualTo(sourceCounts);
    assertThat(databaseExists(db + "_lbrestore")).as("no staging database is left").isFalse();
    assertThat(r.all()).doesNotContain(source.password());
    assertThat(Files.list(fx.home.resolve("spool")).toList()).as("the spool is emptied").isEmpty();
  }

  @Test
  void aCorruptCopyInOneStoreFallsBackToTheNextStore() throws Exception {
    flipAByte(dir.resolve("a/app/" + id + "/dump"));
    String db = newName("fallback");

    Result r = restore(id, "--into", db, "--yes");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.stdout()).contains("from store local-b");
    assertThat(r.stderr()).contains("store local-a was skipped: corrupt");
    assertThat(counts(source.withDatabase(db))).isEqualTo(sourceCounts);
  }

  @Test
  void whenEveryCopyIsCorruptNothingIsRestoredAndTheDestinationIsUntouched() throws Exception {
    flipAByte(dir.resolve("a/app/" + id + "/dump"));
    flipAByte(dir.resolve("b/app/" + id + "/dump"));
    String db = newName("untouched");
    PgConnection existing = PostgresServer.shared().cluster().createDatabase(db);
    try (Connection c = existing.open();
        Statement st = c.createStatement()) {
      st.execute("CREATE TABLE precious (v text); INSERT INTO precious VALUES ('still here')");
    }

    Result r = restore(id, "--into", db, "--yes", "--clean");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.stderr())
        .contains("no store holds a good copy of backup " + id)
        .contains("local-a: corrupt")
        .contains("local-b: corrupt")
        .contains("nothing was restored");
    assertThat(single(existing, "SELECT v FROM precious")).isEqualTo("still here");
    Result backups =
        cli.run("--config", config.toString(), "backups", "--target", "app." + db, "--json");
    assertThat(Json.mapper().readTree(backups.stdout()).size())
        .as("no safety backup before a verified archive")
        .isZero();
  }

  @Test
  void aDroppedTargetDatabaseCanBeRestoredUnderItsOwnName() throws Exception {
    PgConnection lost = PostgresServer.shared().createExampleDatabase("lost", 1);
    Fixture own = new Fixture(dir.resolve("own")).filesystem("local", dir.resolve("own-store"));
    Path ownConfig = own.write(lost, "lost");
    Result backup = own.cli().run("--config", ownConfig.toString(), "backup");
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    Map<String, Long> before = counts(lost);
    PostgresServer.shared().dropDatabase(lost.database());

    Result r =
        own.cli()
            .run(
                "--config",
                ownConfig.toString(),
                "restore",
                "latest",
                "--into",
                lost.database(),
                "--yes");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(counts(lost)).isEqualTo(before);
  }

  @Test
  void aStagingDatabaseLeftByACrashedRestoreIsReplacedByTheNextRestore() throws Exception {
    String db = newName("aftercrash");
    PgConnection leftover = PostgresServer.shared().cluster().createDatabase(db + "_lbrestore");
    try (Connection c = leftover.open();
        Statement st = c.createStatement()) {
      st.execute("CREATE TABLE half_restored (v int)");
    }

    Result r = restore("latest", "--into", db, "--yes");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(counts(source.withDatabase(db))).isEqualTo(sourceCounts);
    assertThat(databaseExists(db + "_lbrestore")).isFalse();
  }

  @Test
  void withoutATerminalARestoreNeedsYes() throws Exception {
    String db = newName("unconfirmed");

    Result r = restore("latest", "--into", db);

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr())
        .contains("--yes: stdin is not a terminal")
        .contains("nothing was changed");
    assertThat(databaseExists(db)).isFalse();
  }

  @Test
  void aDatabaseWithTablesIsRefusedWithoutClean() throws Exception {
    Result r = restore("latest", "--into", source.database(), "--yes");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr())
        .contains("--clean: database '" + source.database() + "'")
        .contains("user tables");
    assertThat(counts(source)).isEqualTo(sourceCounts);
  }

  @Test
  void cleanTakesAndNamesASafetyBackupFirstThenReplacesTheDatabase() throws Exception {
    String db = newName("victim");
    PgConnection victim = PostgresServer.shared().cluster().createDatabase(db);
    try (Connection c = victim.open();
        Statement st = c.createStatement()) {
      st.execute(
          "CREATE TABLE wrong_version (v text); INSERT INTO wrong_version VALUES ('overwritten soon')");
    }

    Result r = restore("latest", "--into", db, "--yes", "--clean", "--json");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.stderr())
        .contains("it will be REPLACED")
        .contains("safety backup of the replaced database: ");
    String safety = Json.mapper().readTree(r.stdout()).get("safetyBackup").asString();
    assertThat(r.stderr()).contains(safety);
    assertThat(counts(victim)).isEqualTo(sourceCounts);
    Result list =
        cli.run("--config", config.toString(), "backups", "--target", "app." + db, "--json");
    JsonNode safetyRow = Json.mapper().readTree(list.stdout()).get(0);
    assertThat(safetyRow.get("id").asString()).isEqualTo(safety);
    assertThat(safetyRow.get("label").asString()).isEqualTo("pre-restore");

    // the safety backup really holds what was replaced
    String back = newName("undo");
    Result undo =
        cli.run(
            "--config",
            config.toString(),
            "restore",
            safety,
            "--target",
            "app." + db,
            "--into",
            back,
            "--yes");
    assertThat(undo.exitCode()).as(undo.toString()).isZero();
    assertThat(single(source.withDatabase(back), "SELECT v FROM wrong_version"))
        .isEqualTo("overwritten soon");
  }

  @Test
  void aSpoolTooSmallIsAClearErrorBeforeAnythingStarts() throws Exception {
    Path small = Files.createDirectories(dir.resolve("small"));
    Process mount =
        new ProcessBuilder(
                "mount", "-t", "tmpfs", "-o", "size=1m", "lifeboat-test", small.toString())
            .redirectErrorStream(true)
            .start();
    assumeTrue(mount.waitFor() == 0, "cannot mount a 1 MiB tmpfs here (needs root)");
    try {
      Path tiny = fx.yaml("  spool-dir: \"" + small + "\"").write(source, "app");
      String db = newName("nospace");

      Result r =
          fx.cli().run("--config", tiny.toString(), "restore", "latest", "--into", db, "--yes");

      assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
      assertThat(r.stderr())
          .contains("the spool directory " + small)
          .contains("free but backup " + id + " needs");
      assertThat(databaseExists(db)).isFalse();
    } finally {
      new ProcessBuilder("umount", small.toString()).start().waitFor();
    }
  }

  static void flipAByte(Path file) throws Exception {
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 3] ^= 0x40;
    Files.write(file, bytes);
  }

  static boolean databaseExists(String name) throws Exception {
    try (Connection c = source.withDatabase("postgres").open();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name + "'")) {
      return rs.next();
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

  static Map<String, Long> counts(PgConnection db) throws Exception {
    try (Connection c = db.open()) {
      return PgCatalog.rowCounts(c);
    }
  }
}
