package dev.lifeboat.drill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.LifeboatCli.Running;
import dev.lifeboat.testing.PostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, item 10: whoever can write to a store adds a backup of their own (here: made by their
 * own Lifeboat, with its own key, into the victim's store). Its archive runs a program on the drill
 * server when restored as a superuser: a materialized view that pg_restore refreshes, and a CHECK
 * constraint whose function leaves {@code pg_restore --role} with RESET ROLE. Neither may run, and
 * nothing may call such a backup verified.
 */
class ForgedBackupIntegrationTests {

  /** Where the forged SQL would leave its marks; the server's OS user may write there. */
  static Path marks;

  static PgConnection app;
  static PgConnection matview;
  static PgConnection resetRole;

  /** The victim's store and home (its signing key) after its own backup and the two forgeries. */
  @TempDir static Path pristine;

  static String good;
  static String forgedCheck;
  static String forgedMatview;

  @TempDir Path dir;

  @BeforeAll
  static void backups() throws Exception {
    marks =
        Files.createTempDirectory(
            Path.of("/tmp"),
            "lifeboat-marks-",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
    Files.setPosixFilePermissions(marks, PosixFilePermissions.fromString("rwxrwxrwx"));
    PostgresServer pg = PostgresServer.shared();
    app = pg.createDatabase("forged_app");
    sql(
        app,
        "CREATE TABLE notes (id int PRIMARY KEY, body text)",
        "INSERT INTO notes VALUES (1, 'x')");
    resetRole = pg.createDatabase("forged_reset_role");
    sql(
        resetRole,
        // as the superuser that pg_restore --role=… logged in as, RESET ROLE gets it back
        "CREATE FUNCTION ok(int) RETURNS boolean LANGUAGE plpgsql AS $$ BEGIN"
            + " IF current_user <> session_user THEN RESET ROLE; END IF;"
            + " IF current_database() LIKE 'lifeboat_drill_%' THEN EXECUTE format('COPY (SELECT 1)"
            + " TO PROGRAM %L', 'touch "
            + marks
            + "/check-' || current_database()); END IF; RETURN true; END $$",
        "CREATE TABLE t (id int CHECK (ok(id)))",
        "INSERT INTO t VALUES (1)");
    matview = pg.createDatabase("forged_matview");
    sql(
        matview,
        "CREATE FUNCTION side_effect() RETURNS int LANGUAGE plpgsql AS $$ BEGIN"
            + " IF current_database() LIKE 'lifeboat_drill_%' THEN EXECUTE format('COPY (SELECT 1)"
            + " TO PROGRAM %L', 'touch "
            + marks
            + "/matview-' || current_database()); END IF; RETURN 1; END $$",
        "CREATE TABLE t (id int)",
        "INSERT INTO t VALUES (1)",
        // populated, so pg_restore refreshes it: the function runs as the view's owner
        "CREATE MATERIALIZED VIEW mv AS SELECT side_effect() AS x");

    Path store = pristine.resolve("store");
    Fixture victim = fixture(pristine.resolve("victim"), store);
    good = backup(victim, app);
    // the attacker's own Lifeboat, with the store's credentials: target 'app', its own key
    Fixture attacker = fixture(pristine.resolve("attacker"), store);
    forgedCheck = backup(attacker, resetRole);
    forgedMatview = backup(attacker, matview);
  }

  @AfterAll
  static void removeMarks() throws IOException {
    deleteTree(marks);
  }

  private static Fixture fixture(Path dir, Path store) throws IOException {
    return new Fixture(Files.createDirectories(dir)).filesystem("local", store);
  }

  private static String backup(Fixture fx, PgConnection db) throws IOException {
    Path config = fx.write(db, "app");
    Result r = fx.cli().run("--config", config.toString(), "backup");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return r.stdout().strip();
  }

  /** The victim's host: a copy of its home (with its signing key) and of the store. */
  private record Victim(Path config, LifeboatCli cli, Path store) {
    Result run(String... args) {
      String[] all = new String[args.length + 2];
      all[0] = "--config";
      all[1] = config.toString();
      System.arraycopy(args, 0, all, 2, args.length);
      return cli.run(all);
    }

    boolean verified(String id) {
      return Files.exists(store.resolve("app/" + id + "/verified.json"));
    }
  }

  private Victim victim(String extraYaml) throws IOException {
    Path store = dir.resolve("store");
    copyTree(pristine.resolve("store"), store);
    Fixture fx = fixture(dir.resolve("victim"), store);
    copyTree(pristine.resolve("victim/home"), fx.home);
    if (extraYaml != null) {
      fx.yaml(extraYaml);
    }
    return new Victim(fx.write(app, "app"), fx.cli(), store);
  }

  @Test
  void aForgedNewestBackupIsRefusedByDrillRestoreAndVerifyAndItsSqlNeverRunsAsASuperuser()
      throws Exception {
    Victim v = victim(null);

    // signed by a key this host does not trust: refused before anything is touched
    Result drill = v.run("drill");
    System.out.println("drill of a forged latest backup:\n" + drill.all());
    assertThat(drill.exitCode()).as(drill.toString()).isEqualTo(2);
    assertThat(drill.stderr())
        .contains("backup " + forgedMatview + " of target 'app'")
        .contains("which is not trusted here")
        .contains("lifeboat.signing.trusted-keys")
        .contains("nothing was touched");
    Result restore = v.run("restore", "latest", "--into", "forged_copy", "--yes");
    assertThat(restore.exitCode()).as(restore.toString()).isEqualTo(2);
    assertThat(restore.stderr()).contains(forgedMatview).contains("not trusted here");
    assertThat(databaseExists("forged_copy")).isFalse();

    // without its signature it is unsigned: refused, the flag is named
    Files.delete(v.store().resolve("app/" + forgedMatview + "/manifest.sig"));
    Result verify = v.run("verify", "latest");
    assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(2);
    assertThat(verify.stderr())
        .contains("backup " + forgedMatview + " of target 'app' is not signed")
        .contains("--allow-unsigned");
    assertThat(marks()).isEmpty();
    assertThat(v.verified(forgedMatview)).isFalse();

    // drilled anyway: restored as a role without SUPERUSER, the refresh cannot run a program
    long roles = drillRoles();
    Result allowed = v.run("drill", "--backup", forgedMatview, "--allow-unsigned");
    System.out.println("drill --allow-unsigned of the forged backup:\n" + allowed.all());
    assertThat(allowed.exitCode()).as(allowed.toString()).isEqualTo(1);
    assertThat(allowed.stdout())
        .contains("NOT SIGNED")
        .contains("restored and read as role lifeboat_drill_role_")
        .contains("pg_execute_server_program");
    assertThat(marks()).isEmpty();
    assertThat(v.verified(forgedMatview)).isFalse();
    assertThat(drillRoles()).as("the drill's restore role is dropped").isEqualTo(roles);
    assertThat(databaseExists("lifeboat_drill_" + forgedMatview.toLowerCase())).isFalse();

    // another backup's signature beside it: a trusted key's, but not over this manifest
    Files.copy(
        v.store().resolve("app/" + good + "/manifest.sig"),
        v.store().resolve("app/" + forgedMatview + "/manifest.sig"));
    Result invalid =
        v.run("restore", forgedMatview, "--into", "forged_copy", "--yes", "--allow-unsigned");
    assertThat(invalid.exitCode()).as(invalid.toString()).isEqualTo(2);
    assertThat(invalid.stderr()).contains("has a signature that does not match");
    assertThat(databaseExists("forged_copy")).isFalse();
    assertThat(v.store().resolve("app/" + good + "/manifest.sig")).exists();
    // the signing key is read from its file, never shown
    assertThat(drill.all() + restore.all() + verify.all() + allowed.all() + invalid.all())
        .doesNotContain(privateKey(v));
  }

  /** The base64 body of the victim's private key file. */
  private static String privateKey(Victim v) throws IOException {
    Path file = v.config().getParent().resolve("home/keys/signing.key");
    return Files.readAllLines(file).get(1);
  }

  @Test
  void aForgedArchiveThatResetsTheRoleCannotRunAProgramEitherWhenDrilledWithTheFlag()
      throws Exception {
    Victim v = victim(null);
    long roles = drillRoles();

    Result drill = v.run("drill", "--backup", forgedCheck, "--allow-unsigned");
    System.out.println("drill --allow-unsigned of the RESET ROLE forgery:\n" + drill.all());
    assertThat(drill.exitCode()).as(drill.toString()).isEqualTo(1);
    assertThat(drill.stdout())
        .contains("NOT TRUSTED")
        .contains("restored and read as role lifeboat_drill_role_")
        .contains("pg_execute_server_program");
    assertThat(marks()).isEmpty();
    assertThat(v.verified(forgedCheck)).isFalse();
    assertThat(drillRoles()).as("the drill's restore role is dropped").isEqualTo(roles);
  }

  @Test
  void aScheduledDrillOfAForgedLatestBackupFailsLoudlyInsteadOfDrillingAnOlderOne()
      throws Exception {
    Victim v = victim("  schedules:\n    drill: { cron: \"0/2 * * * * ?\" }");
    Running serve =
        v.cli()
            .start(
                "--config",
                v.config().toString(),
                "serve",
                "--lifeboat.http.port=" + PostgresServer.freePort());
    try {
      Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
      while (!serve.stderrSoFar().contains("finished drill of target 'app'")) {
        assertThat(Instant.now()).as(serve.stderrSoFar()).isBefore(deadline);
        Thread.sleep(200);
      }
    } finally {
      serve.process().destroy();
      serve.process().waitFor(40, TimeUnit.SECONDS);
    }
    String log = serve.stderrSoFar();
    System.out.println("serve:\n" + log);
    // the drill job ran and recorded the refusal as its failed check
    assertThat(log)
        .contains("started drill of target 'app'")
        .contains("finished drill of target 'app': failed")
        .contains("backup " + forgedMatview)
        .contains("signature: backup " + forgedMatview + " of target 'app' is signed by key")
        .doesNotContain("backup " + good)
        .doesNotContain(privateKey(v));
    assertThat(marks()).isEmpty();
    assertThat(v.verified(forgedMatview)).isFalse();
    assertThat(v.verified(good)).isFalse();
  }

  /** The marks the forged SQL left: none unless it ran as a superuser. */
  private static java.util.List<String> marks() throws IOException {
    try (Stream<Path> files = Files.list(marks)) {
      return files.map(p -> p.getFileName().toString()).toList();
    }
  }

  private static long drillRoles() throws Exception {
    try (Connection c = PostgresServer.shared().connection("postgres").open();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'lifeboat\\_drill\\_role\\_%'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static boolean databaseExists(String name) throws Exception {
    try (Connection c = PostgresServer.shared().connection("postgres").open();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT count(*) FROM pg_database WHERE datname = '" + name + "'")) {
      rs.next();
      return rs.getLong(1) > 0;
    }
  }

  private static void sql(PgConnection db, String... statements) throws Exception {
    try (Connection c = db.open();
        Statement st = c.createStatement()) {
      for (String s : statements) {
        st.execute(s);
      }
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
