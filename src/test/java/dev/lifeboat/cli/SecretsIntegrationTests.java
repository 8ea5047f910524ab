package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets through the real jar: values from the environment and from files are data, never printed,
 * never on the command line, never passed on to pg_dump's environment.
 */
class SecretsIntegrationTests {

  private static final AtomicInteger ROLES = new AtomicInteger();

  static PgConnection superuser;

  @TempDir Path dir;

  @BeforeAll
  static void database() {
    superuser = PostgresServer.shared().createDatabase("secrets_it");
  }

  /** A login role whose password holds {@code ${…}}: one set variable, one unset. */
  private static PgConnection roleWithPassword(String password) throws Exception {
    String role = "lb_secret_" + ROLES.incrementAndGet() + "_" + ProcessHandle.current().pid();
    try (Connection c = superuser.open();
        Statement s = c.createStatement()) {
      s.execute("DROP ROLE IF EXISTS " + role);
      s.execute("CREATE ROLE " + role + " LOGIN SUPERUSER PASSWORD '" + password + "'");
    }
    return new PgConnection(
        superuser.host(), superuser.port(), superuser.database(), role, password);
  }

  private static String dollarPassword() {
    return "p${HOME}x${LIFEBOAT_NOT_SET}w0rd-" + UUID.randomUUID();
  }

  @Test
  void aPasswordHoldingDollarBracesFromTheEnvironmentWorksForARealBackupAndIsNeverPrinted()
      throws Exception {
    String password = dollarPassword();
    PgConnection db = roleWithPassword(password);
    Fixture f = new Fixture(dir).filesystem("local", dir.resolve("store"));
    Path config = f.write(db, "app");

    Result r = f.cli().run("--config", config.toString(), "backup");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.all()).doesNotContain(password).doesNotContain("LIFEBOAT_NOT_SET");
  }

  @Test
  void aPasswordFromASecretFileWorksAndAStalePgpassFileIsRemovedAtStart() throws Exception {
    String password = dollarPassword();
    PgConnection db = roleWithPassword(password);
    Path secret = dir.resolve("db-password");
    Files.writeString(secret, password + "\n");
    Fixture f = new Fixture(dir).filesystem("local", dir.resolve("store"));
    Path config = f.write(db, "app");
    Files.writeString(
        config, Files.readString(config).replace("${APP_DB_PASSWORD}", "${file:" + secret + "}"));
    // what a kill -9 leaves behind: a pgpass file of a process that is gone
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Path stale = Files.createDirectories(f.home.resolve("run/pgpass-" + gone.pid() + "-1"));
    Files.writeString(stale.resolve("pgpass"), "h:1:*:u:old-secret\n");

    Result r = f.cli().env("APP_DB_PASSWORD", "wrong").run("--config", config.toString(), "backup");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.all()).doesNotContain(password);
    assertThat(stale).doesNotExist();
    try (var left = Files.list(f.home.resolve("run"))) {
      assertThat(left).as("pgpass files left under home/run").isEmpty();
    }
    assertThat(Files.getPosixFilePermissions(f.home.resolve("run")))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
  }

  @Test
  void anUnreadableSecretFileNamesTheKeyAndTheFile() throws Exception {
    Fixture f = new Fixture(dir).filesystem("local", dir.resolve("store"));
    Path config = f.write(superuser, "app");
    Files.writeString(
        config,
        Files.readString(config)
            .replace("${APP_DB_PASSWORD}", "${file:" + dir.resolve("no-such-secret") + "}"));

    Result r = f.cli().run("--config", config.toString(), "backups");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr().strip().lines()).hasSize(1);
    assertThat(r.stderr()).contains("lifeboat.targets.app.password").contains("no-such-secret");
  }

  @Test
  void secretsOnTheCommandLineAreRefusedWithoutBeingEchoed() throws Exception {
    Fixture f = new Fixture(dir).filesystem("local", dir.resolve("store"));
    Path config = f.write(superuser, "app");
    String secret = "hunter2-" + UUID.randomUUID();
    for (String key :
        new String[] {
          "lifeboat.targets.app.password",
          "lifeboat.stores.s3.secret-key",
          "lifeboat.control.password"
        }) {
      Result r =
          f.cli()
              .run("--config", config.toString(), "backups", "--json", "--" + key + "=" + secret);
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
      assertThat(r.stderr()).contains("--" + key).contains("environment").contains("file");
      assertThat(r.stdout()).startsWith("{").contains("\"exitCode\" : 2");
      assertThat(r.all()).doesNotContain(secret);
    }
    Result spaced =
        f.cli()
            .run(
                "--config",
                config.toString(),
                "backups",
                "--lifeboat.targets.app.password",
                secret);
    assertThat(spaced.exitCode()).as(spaced.toString()).isEqualTo(2);
    assertThat(spaced.stderr()).contains("--lifeboat.targets.app.password: secrets are refused");
    assertThat(spaced.all()).doesNotContain(secret);
    assertThat(dir.resolve("store")).doesNotExist();
  }

  @Test
  void aJdbcUrlCarryingCredentialsIsRefusedAndNeverEchoed() throws Exception {
    String secret = "urlpw-" + UUID.randomUUID();
    Fixture f = new Fixture(dir).filesystem("local", dir.resolve("store"));
    Path config = f.write(superuser, "app");
    Files.writeString(
        config,
        Files.readString(config)
            .replace(
                "jdbc:postgresql://",
                "jdbc:postgresql://" + superuser.user() + ":" + secret + "@"));

    Result r = f.cli().run("--config", config.toString(), "backups", "--json");

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr()).contains("lifeboat.targets.app.url").contains("***@");
    assertThat(r.stdout()).startsWith("{");
    assertThat(r.all()).doesNotContain(secret);
  }

  @Test
  void pgDumpGetsAMinimalEnvironmentWithoutLifeboatsSecrets() throws Exception {
    S3ProxyServer s3 = S3ProxyServer.shared("secrets");
    s3.createBucket("childenv");
    // a real pg_dump behind a script that records the environment it was given
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path envFile = dir.resolve("pg_dump.env");
    Path realPgDump = PostgresServer.shared().binaries().require("pg_dump", 0).path();
    Path script = bin.resolve("pg_dump");
    Files.writeString(
        script, "#!/bin/sh\nenv >> '" + envFile + "'\nexec '" + realPgDump + "' \"$@\"\n");
    script.toFile().setExecutable(true);
    Fixture f =
        new Fixture(dir)
            .s3("offsite", s3, "childenv")
            .yaml("  pg:\n    bin-dirs: [\"" + bin + "\"]");
    Path config = f.write(superuser, "app");
    String canary = "canary-" + UUID.randomUUID();

    Result r =
        f.cli()
            .env("LIFEBOAT_TEST_CANARY", canary)
            .env("AWS_SECRET_ACCESS_KEY", canary)
            .run("--config", config.toString(), "backup");

    assertThat(r.exitCode()).as(r.toString()).isZero();
    String env = Files.readString(envFile);
    assertThat(env)
        .contains("PATH=")
        .contains("PGPASSFILE=" + f.home.resolve("run").toAbsolutePath())
        .doesNotContain(canary)
        .doesNotContain(s3.secretKey())
        .doesNotContain(superuser.password())
        .doesNotContain("OFFSITE_SECRET")
        .doesNotContain("APP_DB_PASSWORD");
    assertThat(r.all()).doesNotContain(s3.secretKey()).doesNotContain(superuser.password());
  }
}
