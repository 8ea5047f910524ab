package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
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
}
