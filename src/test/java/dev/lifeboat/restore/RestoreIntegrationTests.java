package dev.lifeboat.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lifeboat.archive.ArchiveFetcher;
import dev.lifeboat.base.Json;
import dev.lifeboat.pg.PgCatalog;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
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
    assertThat(comment(db)).as("the restored database carries no mark").isNull();
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
    PgConnection leftOld = PostgresServer.shared().cluster().createDatabase(db + "_lbold");
    try (Connection c = leftover.open();
        Statement st = c.createStatement()) {
      st.execute("CREATE TABLE half_restored (v int)");
      // what a restore killed mid-way leaves: its marks, under the names it made
      st.execute(
          "COMMENT ON DATABASE "
              + db
              + "_lbrestore IS 'lifeboat:restore-staging:crashed1:"
              + db
              + "_lbrestore'");
      st.execute(
          "COMMENT ON DATABASE "
              + db
              + "_lbold IS 'lifeboat:restore-old:crashed1:"
              + db
              + "_lbold'");
    }

    Result r = restore("latest", "--into", db, "--yes");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.stderr())
        .contains("leftover    '" + db + "_lbrestore' (marked by a Lifeboat restore")
        .contains("leftover    '" + db + "_lbold' (marked by a Lifeboat restore");
    assertThat(counts(source.withDatabase(db))).isEqualTo(sourceCounts);
    assertThat(databasesLike(db)).containsExactly(db);
    assertThat(comment(db)).as("the restored database carries no mark").isNull();
  }

  @Test
  void aDatabaseWithTheStagingNameThatLifeboatDidNotCreateIsRefusedAndKept() throws Exception {
    String db = newName("sales");
    PgConnection users = PostgresServer.shared().cluster().createDatabase(db + "_lbrestore");
    try (Connection c = users.open();
        Statement st = c.createStatement()) {
      st.execute("CREATE TABLE ledger (v text); INSERT INTO ledger VALUES ('the user''s own')");
    }
    List<String> before = databases();

    Result r = restore("latest", "--into", db, "--yes");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr())
        .contains(
            "--into: database '"
                + db
                + "_lbrestore' exists but Lifeboat did not create it (it carries no lifeboat"
                + " mark)")
        .contains("nothing was changed");
    assertThat(databases()).isEqualTo(before);
    assertThat(databasesLike(db)).containsExactly(db + "_lbrestore");
    assertThat(single(users, "SELECT v FROM ledger")).isEqualTo("the user's own");
  }

  @Test
  void aDatabaseWithTheOldCopyNameThatLifeboatDidNotMarkIsRefusedAndKept() throws Exception {
    String db = newName("orders");
    PgConnection current = PostgresServer.shared().cluster().createDatabase(db);
    PgConnection previous = PostgresServer.shared().cluster().createDatabase(db + "_lbold");
    for (PgConnection c0 : List.of(current, previous)) {
      try (Connection c = c0.open();
          Statement st = c.createStatement()) {
        st.execute(
            "CREATE TABLE ledger (v text); INSERT INTO ledger VALUES ('" + c0.database() + "')");
      }
    }
    List<String> before = databases();

    Result r = restore("latest", "--into", db, "--yes", "--clean");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr())
        .contains("--into: database '" + db + "_lbold' exists but Lifeboat did not mark it")
        .contains("may hold the previous data of '" + db + "' from an interrupted restore")
        .contains("nothing was changed");
    assertThat(databases()).isEqualTo(before);
    assertThat(single(current, "SELECT v FROM ledger")).isEqualTo(db);
    assertThat(single(previous, "SELECT v FROM ledger")).isEqualTo(db + "_lbold");
  }

  @Test
  void namesLifeboatReservesForItsOwnDatabasesAreRefusedAsDestinations() throws Exception {
    List<String> before = databases();
    for (String name : List.of("lifeboat_drill_mine", "mine_lbrestore", "mine_lbold")) {

      Result r = restore("latest", "--into", name, "--yes");

      assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
      assertThat(r.stderr())
          .contains("--into: '" + name + "'")
          .contains("which Lifeboat reserves")
          .contains("nothing was changed");
    }
    assertThat(databases()).isEqualTo(before);
  }

  @Test
  void theServersSystemDatabasesAreRefusedBeforeAnythingIsCreated() throws Exception {
    List<String> before = databases();
    for (String name : List.of("template1", "template0", "postgres")) {

      Result r = restore("latest", "--into", name, "--yes", "--clean");

      assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
      assertThat(r.stderr())
          .contains("--into: '" + name + "' is the server's")
          .contains("nothing was changed");
      assertThat(r.stderr()).doesNotContain("restore plan:");
    }
    assertThat(databases()).isEqualTo(before);
    assertThat(counts(source.withDatabase("template1"))).as("template1 stays empty").isEmpty();
    assertThat(counts(source.withDatabase("postgres"))).isEmpty();
  }

  @Test
  void aFailedRenameKeepsTheRestoredDataWhereTheMessageSaysAndNoLaterRestoreDropsIt()
      throws Exception {
    // a role that may create databases but not rename one it does not own
    String role = "renamer_" + System.nanoTime() % 100000;
    PgConnection asRole = PostgresServer.shared().cluster().createRole(role, "pw-" + role, false);
    PostgresServer.shared().cluster().execute("ALTER ROLE " + role + " CREATEDB");
    PgConnection tiny = PostgresServer.shared().createDatabase("tiny");
    try (Connection c = tiny.open();
        Statement st = c.createStatement()) {
      st.execute("CREATE TABLE t (v text); INSERT INTO t VALUES ('restored')");
      st.execute("ALTER TABLE t OWNER TO " + role);
    }
    Fixture own = new Fixture(dir.resolve("own")).filesystem("local", dir.resolve("own-store"));
    Path ownConfig = own.write(tiny, "app");
    Result backup = own.cli().run("--config", ownConfig.toString(), "backup");
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    Path roleConfig = own.write(asRole.withDatabase(tiny.database()), "app");
    LifeboatCli asRoleCli = own.cli();
    String db = newName("notmine");
    PostgresServer.shared().cluster().createDatabase(db); // owned by the superuser, empty

    Result r =
        own.cli()
            .run("--config", roleConfig.toString(), "restore", "latest", "--into", db, "--yes");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    assertThat(r.stderr())
        .contains("renaming '" + db + "' to '" + db + "_lbold' failed: ")
        .contains("must be owner of database")
        .contains(
            "'"
                + db
                + "' is unchanged and the restored data is in '"
                + db
                + "_lbrestore', which Lifeboat will not drop")
        .contains(
            "now '"
                + db
                + "' exists, '"
                + db
                + "_lbrestore' exists, '"
                + db
                + "_lbold' does not exist");
    assertThat(databasesLike(db)).containsExactly(db, db + "_lbrestore");
    assertThat(single(source.withDatabase(db + "_lbrestore"), "SELECT v FROM t"))
        .isEqualTo("restored");

    // the operator keeps it; the next restore must not drop it as a leftover
    Result again =
        own.cli()
            .run("--config", roleConfig.toString(), "restore", "latest", "--into", db, "--yes");

    assertThat(again.exitCode()).as(again.toString()).isEqualTo(2);
    assertThat(again.stderr())
        .contains("database '" + db + "_lbrestore' exists but Lifeboat did not create it");
    assertThat(databasesLike(db)).containsExactly(db, db + "_lbrestore");
    assertThat(single(source.withDatabase(db + "_lbrestore"), "SELECT v FROM t"))
        .isEqualTo("restored");
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
      st.execute("COMMENT ON DATABASE " + db + " IS 'customer data'");
    }

    Result r = restore("latest", "--into", db, "--yes", "--clean", "--json");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.stderr())
        .contains("it will be REPLACED")
        .contains("safety backup of the replaced database: ");
    String safety = Json.mapper().readTree(r.stdout()).get("safetyBackup").asString();
    assertThat(r.stderr()).contains(safety);
    assertThat(counts(victim)).isEqualTo(sourceCounts);
    assertThat(databasesLike(db)).as("no staging, no old copy").containsExactly(db);
    assertThat(comment(db))
        .as("the replaced database's comment, not the staging database's mark")
        .isEqualTo("customer data");
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

  @Test
  void theSpoolIsPrivateAndSpoolFilesOfDeadProcessesAreRemoved() throws Exception {
    Path spool = fx.home.resolve("spool");
    // as an older version left it: world-readable, with the archive of a killed restore in it
    Files.createDirectories(spool);
    Files.setPosixFilePermissions(spool, PosixFilePermissions.fromString("rwxr-xr-x"));
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Path stale =
        Files.writeString(spool.resolve("app-" + id + "." + gone.pid() + "-7.pgdump"), "x");
    Path stalePartial =
        Files.writeString(spool.resolve("app-" + id + "." + gone.pid() + "-7.pgdump.partial"), "x");
    Path live =
        Files.writeString(
            spool.resolve(
                "app-" + id + "." + ArchiveFetcher.owner(ProcessHandle.current()) + ".pgdump"),
            "x");
    Map<Path, String> seen = new java.util.concurrent.ConcurrentHashMap<>();
    AtomicBoolean watching = new AtomicBoolean(true);
    Thread watcher =
        new Thread(
            () -> {
              while (watching.get()) {
                try (var files = Files.list(spool)) {
                  for (Path f : files.toList()) {
                    if (!f.equals(live)) {
                      seen.putIfAbsent(
                          f.getFileName(),
                          PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
                    }
                  }
                  Thread.sleep(2);
                } catch (Exception e) {
                  // a file went while we looked
                }
              }
            });
    watcher.start();
    String db = newName("spooled");

    Result r;
    try {
      r = restore("latest", "--into", db, "--yes");
    } finally {
      watching.set(false);
      watcher.join();
    }

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(stale).as("left by a process that is gone").doesNotExist();
    assertThat(stalePartial).doesNotExist();
    assertThat(live).as("of a process that still runs").exists();
    assertThat(Files.list(spool).toList()).containsExactly(live);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(spool)))
        .isEqualTo("rwx------");
    seen.remove(stale.getFileName());
    seen.remove(stalePartial.getFileName());
    assertThat(seen).as("the archive was seen while the restore ran").isNotEmpty();
    assertThat(seen.values()).containsOnly("rw-------");
  }

  /** Every database of the server, by name. */
  static List<String> databases() throws Exception {
    List<String> names = new ArrayList<>();
    try (Connection c = source.withDatabase("postgres").open();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT datname FROM pg_database ORDER BY 1")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }

  /** The databases named {@code db} or starting with it. */
  static List<String> databasesLike(String db) throws Exception {
    return databases().stream().filter(n -> n.startsWith(db)).toList();
  }

  static String comment(String db) throws Exception {
    try (Connection c = source.withDatabase("postgres").open();
        java.sql.PreparedStatement ps =
            c.prepareStatement(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = ?")) {
      ps.setString(1, db);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).as("database " + db + " exists").isTrue();
        return rs.getString(1);
      }
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
