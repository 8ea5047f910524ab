package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A configuration mistake is one line naming the key, exit 2, and nothing is changed. */
class ConfigurationIntegrationTests {

  @TempDir Path dir;

  private Result run(String yaml, String... args) throws Exception {
    Path config = dir.resolve("lifeboat.yml");
    Files.writeString(config, "lifeboat:\n  home: \"" + dir.resolve("home") + "\"\n" + yaml);
    String[] all = new String[args.length + 2];
    all[0] = "--config";
    all[1] = config.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return new LifeboatCli(dir).env("S3_KEY", "k").run(all);
  }

  private static final String TARGET =
      """
        targets:
          app:
            url: jdbc:postgresql://127.0.0.1:%d/app
            username: app
            password: secret-value-123
      """
          .formatted(PostgresServer.freePort());

  @Test
  void aTargetNamingAnUnknownStoreIsRefused() throws Exception {
    Result r =
        run(
            TARGET
                + "      stores: [primary, nowhere]\n  stores:\n    primary: { type: filesystem, path: /tmp/x }\n",
            "backup");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr().strip())
        .isEqualTo(
            "lifeboat: lifeboat.targets.app.stores: unknown store 'nowhere' (configured: [primary])");
    assertThat(r.all()).doesNotContain("secret-value-123");
  }

  @Test
  void aMissingSecretNamesTheKeyAndTheVariable() throws Exception {
    Result r =
        run(
            TARGET
                + "  stores:\n    primary: { type: s3, bucket: b, access-key: \"${S3_KEY}\","
                + " secret-key: \"${S3_SECRET_NOT_SET}\" }\n",
            "backups");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr())
        .contains("lifeboat.stores.primary.secret-key")
        .contains("S3_SECRET_NOT_SET");
    assertThat(r.stderr().lines().count()).isEqualTo(1);
  }

  @Test
  void everyStartTakesTheWalKeysAndAWalMistakeIsOneLineNamingTheKey() throws Exception {
    Path store = dir.resolve("store");
    Files.createDirectories(store);
    String stores = "  stores:\n    primary: { type: filesystem, path: \"" + store + "\" }\n";
    // the read-only start binds and checks them as the full one does
    Result fine =
        run(
            TARGET
                + "      wal: { enabled: true, slot: lifeboat_app, partial-upload-interval: 5s,"
                + " spool-max: 1GB, compression-level: 6, basebackup-on-break: false,"
                + " basebackup-wal-timeout: 2m }\n"
                + stores,
            "backups",
            "--json");
    assertThat(fine.exitCode()).as(fine.toString()).isZero();

    Result noWal = run(TARGET + stores, "backups", "--base", "--json");
    assertThat(noWal.exitCode()).as(noWal.toString()).isEqualTo(2);
    assertThat(noWal.stdout()).isEmpty();
    assertThat(noWal.stderr())
        .contains(
            "target 'app' has no WAL archiving (lifeboat.targets.app.wal.enabled), so no base"
                + " backups");

    Result slot =
        run(TARGET + "      wal: { enabled: true, slot: Lifeboat-App }\n" + stores, "backups");
    assertThat(slot.exitCode()).as(slot.toString()).isEqualTo(2);
    assertThat(slot.stderr().strip())
        .isEqualTo(
            "lifeboat: lifeboat.targets.app.wal.slot: 'Lifeboat-App' is not a replication slot"
                + " name; use lower-case letters, digits and '_' (at most 63)");

    Result misspelt = run(TARGET + "      wal: { spool-maximum: 1GB }\n" + stores, "backups");
    assertThat(misspelt.exitCode()).as(misspelt.toString()).isEqualTo(2);
    assertThat(misspelt.stderr())
        .contains("lifeboat.targets.app.wal.spool-maximum")
        .contains("unknown configuration key");

    Path untouched = dir.resolve("untouched");
    String server = "jdbc:postgresql://127.0.0.1:" + PostgresServer.freePort();
    Result twice =
        run(
            "  targets:\n"
                + "    app: { url: \""
                + server
                + "/app\", username: app, password: secret-value-123, wal: { enabled: true } }\n"
                + "    app2: { url: \""
                + server
                + "/other\", username: app, password: secret-value-123,"
                + " wal: { enabled: true } }\n"
                + "  stores:\n    primary: { type: filesystem, path: \""
                + untouched
                + "\" }\n",
            "backup",
            "--target",
            "app");
    assertThat(twice.exitCode()).as(twice.toString()).isEqualTo(2);
    assertThat(twice.stderr().strip())
        .matches(
            "lifeboat: lifeboat\\.targets\\.app2\\.wal\\.enabled: target app already archives"
                + " the WAL of 127\\.0\\.0\\.1:\\d+; WAL belongs to a server, enable it on one"
                + " target");
    assertThat(untouched).doesNotExist();
    assertThat(twice.all()).doesNotContain("secret-value-123");
  }

  @Test
  void aMisspelledKeyIsNamed() throws Exception {
    Result r =
        run(TARGET + "  stores:\n    primary: { type: filesystem, pth: /tmp/x }\n", "backups");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr())
        .contains("lifeboat.stores.primary.pth")
        .contains("unknown configuration key");
  }

  @Test
  void anUnknownStoreTypeIsNamed() throws Exception {
    Result r = run(TARGET + "  stores:\n    primary: { type: ftp, path: /tmp/x }\n", "backups");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr())
        .contains("lifeboat.stores.primary.type: must be 's3' or 'filesystem' (was 'ftp')");
  }

  @Test
  void aMalformedTargetUrlIsNamed() throws Exception {
    Result r =
        run(
            "  targets:\n    app: { url: \"postgres://host/db\", username: app }\n"
                + "  stores:\n    primary: { type: filesystem, path: /tmp/x }\n",
            "backup");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr()).contains("lifeboat.targets.app.url");
  }

  @Test
  void anUnreachableTargetIsAConfigurationErrorAndNothingIsWritten() throws Exception {
    Path store = dir.resolve("store");
    Result r =
        run(
            TARGET + "  stores:\n    primary: { type: filesystem, path: \"" + store + "\" }\n",
            "backup");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr()).contains("lifeboat.targets.app.url: cannot connect to app@127.0.0.1:");
    assertThat(store).doesNotExist();
    assertThat(r.all()).doesNotContain("secret-value-123");
  }

  @Test
  void aMissingConfigFileAndAnUnknownTargetAreUsageErrors() throws Exception {
    Result missing =
        new LifeboatCli(dir).run("--config", dir.resolve("nope.yml").toString(), "backups");
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.stderr()).contains("--config: file").contains("nope.yml");

    Result target =
        run(
            TARGET + "  stores:\n    primary: { type: filesystem, path: /tmp/x }\n",
            "backups",
            "--target",
            "other");
    assertThat(target.exitCode()).isEqualTo(2);
    assertThat(target.stderr()).contains("--target: no target named 'other' (configured: [app])");
  }

  @Test
  void verifyingAnUnknownBackupIdIsAUsageError() throws Exception {
    Path store = Files.createDirectories(dir.resolve("store"));
    Result r =
        run(
            TARGET + "  stores:\n    primary: { type: filesystem, path: \"" + store + "\" }\n",
            "verify",
            "20200101T000000Z");
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr()).contains("no complete backup");
  }

  @Test
  void aBadCommandLineIsAUsageError() throws Exception {
    Result r = new LifeboatCli(dir).run("backup", "--no-such-flag");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.stderr()).contains("--no-such-flag");
  }

  private void assertRefused(Result r, String expected) {
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
    assertThat(r.stderr().strip().lines()).as(r.toString()).hasSize(1);
    assertThat(r.stderr()).as(r.toString()).contains(expected);
    assertThat(r.all()).doesNotContain("\tat ").doesNotContain("Exception:");
    assertThat(r.all()).doesNotContain("secret-value-123");
  }

  @Test
  void invalidYamlIsOneLineNamingTheFileEvenUnderJson() throws Exception {
    Path tab = dir.resolve("tab.yml");
    Files.writeString(tab, "lifeboat:\n\thome: x\n");
    Path bracket = dir.resolve("bracket.yml");
    Files.writeString(bracket, "lifeboat:\n  targets: [app\n");
    for (Path file : new Path[] {tab, bracket}) {
      Result r = new LifeboatCli(dir).run("--config", file.toString(), "backups", "--json");
      assertRefused(r, "--config " + file + ": not valid YAML at line ");
      assertThat(r.stdout().strip()).startsWith("{").endsWith("}").contains("\"exitCode\" : 2");
    }
  }

  @Test
  void aConfigThatIsADirectoryOrEmptyIsRefused() throws Exception {
    Path empty = dir.resolve("empty.yml");
    Files.writeString(empty, "# nothing yet\n");
    assertRefused(
        new LifeboatCli(dir).run("--config", dir.toString(), "backups"), "is a directory");
    assertRefused(new LifeboatCli(dir).run("--config", empty.toString(), "backups"), "is empty");
  }

  @Test
  void anUnwritableHomeIsRefused() throws Exception {
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    Path config = dir.resolve("home.yml");
    Files.writeString(
        config,
        "lifeboat:\n  home: \""
            + file.resolve("home")
            + "\"\n"
            + TARGET
            + "  stores:\n    primary: { type: filesystem, path: /tmp/x }\n");
    assertRefused(
        new LifeboatCli(dir).run("--config", config.toString(), "backups"),
        "lifeboat.home: cannot create " + file.resolve("home"));
  }

  @Test
  void badNamesAndAbsurdNumbersAreRefusedAtLoadNamingTheKey() throws Exception {
    Path store = dir.resolve("store");
    String fs = "{ type: filesystem, path: \"" + store + "\" }";
    Path aFile = Files.writeString(dir.resolve("not-a-dir"), "x");
    Path pgdata = Files.createDirectories(dir.resolve("pgdata"));
    Files.createDirectories(pgdata.resolve("global"));
    Files.writeString(pgdata.resolve("PG_VERSION"), "15\n");
    String[][] cases = {
      {
        "  targets:\n    \"app db\": { url: \"jdbc:postgresql://h/app\", username: u }\n"
            + "  stores:\n    primary: "
            + fs
            + "\n",
        "lifeboat.targets: the target name 'app db' is not allowed"
      },
      {TARGET + "  stores:\n    b\u00e4ckup: " + fs + "\n", "the store name 'b\u00e4ckup'"},
      {TARGET + "  stores:\n    Primary: " + fs + "\n", "the store name 'Primary'"},
      {
        TARGET + "  stores:\n    primary: " + fs + "\n  backup:\n    compression-level: 99\n",
        "lifeboat.backup.compression-level: must be less than or equal to 22 (was 99)"
      },
      {
        TARGET + "  stores:\n    primary: " + fs + "\n  backup:\n    queue-chunks: 0\n",
        "lifeboat.backup.queue-chunks: must be greater than or equal to 1"
      },
      {
        TARGET + "  stores:\n    primary: " + fs + "\n  backup:\n    compression-workers: -2\n",
        "lifeboat.backup.compression-workers:"
      },
      {
        TARGET + "  stores:\n    primary: " + fs + "\n  restore:\n    timeout: -5s\n",
        "lifeboat.restore.timeout:"
      },
      {
        TARGET + "  stores:\n    primary: " + fs + "\n  spool-dir: \"" + aFile + "\"\n",
        "lifeboat.spool-dir: " + aFile + " exists and is not a directory"
      },
      {
        TARGET + "  stores:\n    primary: { type: filesystem, path: backups }\n",
        "lifeboat.stores.primary.path: must be an absolute path"
      },
      {
        TARGET
            + "  stores:\n    primary: { type: filesystem, path: \""
            + pgdata.resolve("b")
            + "\" }\n",
        "is inside the PostgreSQL data directory " + pgdata
      },
      {
        TARGET
            + "  stores:\n    primary: { type: s3, bucket: b, prefix: \"a/../b\", access-key: k,"
            + " secret-key: \"${S3_KEY}\" }\n",
        "lifeboat.stores.primary.prefix: must not contain '.' or '..' segments"
      },
    };
    for (String[] c : cases) {
      assertRefused(run(c[0], "backups"), c[1]);
    }
    assertThat(store).doesNotExist();
  }

  @Test
  void notificationMistakesAreOneLineUnderTheKeyAsConfiguredForEveryCommand() throws Exception {
    Path store = dir.resolve("store");
    String stores = "  stores:\n    primary: { type: filesystem, path: \"" + store + "\" }\n";
    String token = "T0KEN-4f1c9a";
    // the listing (the read-only application) and a backup (the full one) refuse the same file
    Result webhook =
        run(
            TARGET
                + stores
                + "  notify:\n    webhooks: [ { url: \"ftp://hooks.example/"
                + token
                + "\", events: [backup-failed] } ]\n",
            "backups");
    assertRefused(
        webhook,
        "lifeboat: lifeboat.notify.webhooks[0].url: must be an http:// or https:// URL with a host,"
            + " but its scheme is 'ftp'");
    assertThat(webhook.all()).doesNotContain(token);
    Result timeout = run(TARGET + stores + "  notify:\n    timeout: 1ms\n", "backup");
    assertRefused(timeout, "lifeboat: lifeboat.notify.timeout: must be longer than or equal to");
    assertThat(timeout.stderr()).doesNotContain("notifications");
    assertThat(store).doesNotExist();
  }

  @Test
  void aDollarBraceInAValueFromTheEnvironmentIsDataNotAMissingVariable() throws Exception {
    Path store = Files.createDirectories(dir.resolve("store"));
    String password = "x${LIFEBOAT_UNSET_VAR}y-" + java.util.UUID.randomUUID();
    Path config = dir.resolve("env.yml");
    Files.writeString(
        config,
        ("lifeboat:\n  home: \"%s\"\n  targets:\n    app: { url: \"jdbc:postgresql://127.0.0.1:%d/app\","
                + " username: app, password: \"${APP_DB_PASSWORD}\" }\n"
                + "  stores:\n    primary: { type: filesystem, path: \"%s\" }\n")
            .formatted(dir.resolve("home"), PostgresServer.freePort(), store));
    Result r =
        new LifeboatCli(dir)
            .env("APP_DB_PASSWORD", password)
            .run("--config", config.toString(), "backups");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.all()).doesNotContain(password).doesNotContain("LIFEBOAT_UNSET_VAR");
  }

  @Test
  void verifyCallsAStoreThatIsDownUnreachableAndExits3WhenTheOtherCopyIsGood() throws Exception {
    dev.lifeboat.pg.PgConnection db = PostgresServer.shared().createDatabase("verify_down");
    try (S3ProxyServer s3 = S3ProxyServer.start()) {
      s3.createBucket("verifydown");
      Fixture f =
          new Fixture(dir)
              .filesystem("local", dir.resolve("local"))
              .s3("offsite", s3, "verifydown");
      Path config = f.write(db, "app");
      Result backup = f.cli().run("--config", config.toString(), "backup");
      assertThat(backup.exitCode()).as(backup.toString()).isZero();

      s3.stop();
      Result r = f.cli().run("--config", config.toString(), "verify", "latest");

      assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
      assertThat(r.all()).contains("offsite: unreachable").doesNotContain("missing");
      assertThat(r.all()).contains("local: ok");
      assertThat(r.all()).doesNotContain(s3.secretKey()).doesNotContain(db.password());
    }
  }
}
