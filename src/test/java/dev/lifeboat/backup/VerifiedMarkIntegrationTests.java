package dev.lifeboat.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.base.Json;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A passed {@code verify} or drill leaves a mark beside the copy it proved good, in the store
 * itself, so every node and every later run knows the newest backup that restores; a copy that
 * failed is not marked.
 */
class VerifiedMarkIntegrationTests {

  static PgConnection db;
  static S3ProxyServer s3;

  @TempDir Path dir;

  @BeforeAll
  static void startServers() {
    db = PostgresServer.shared().createExampleDatabase("verified_it", 1);
    s3 = S3ProxyServer.shared("a");
  }

  @Test
  void verifyMarksEveryGoodCopyAndNoCorruptOneAndBackupsShowsIt() throws Exception {
    s3.createBucket("marks");
    Path local = dir.resolve("local-store");
    Fixture fx = new Fixture(dir).s3("s3", s3, "marks").filesystem("local", local);
    Path config = fx.write(db, "app");
    LifeboatCli cli = fx.cli();
    Result backup = cli.run("--config", config.toString(), "backup");
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    String id = backup.stdout().trim();

    JsonNode before = Json.mapper().readTree(backups(cli, config).stdout()).get(0);
    assertThat(before.get("verifiedAt").isNull()).as(before.toString()).isTrue();

    // the filesystem copy gets a flipped byte: verify fails there and marks only the S3 copy
    Path dump = local.resolve("app/" + id + "/dump");
    byte[] bytes = Files.readAllBytes(dump);
    bytes[bytes.length / 2] ^= 0x01;
    Files.write(dump, bytes);
    Result verify = cli.run("--config", config.toString(), "verify", id);
    assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(1);
    assertThat(local.resolve("app/" + id + "/verified.json")).doesNotExist();
    assertThat(
            s3.client()
                .listObjectsV2(b -> b.bucket("marks").prefix("lifeboat/app/" + id))
                .contents())
        .extracting(o -> o.key())
        .contains("lifeboat/app/" + id + "/verified.json");

    Result list = backups(cli, config);
    JsonNode row = Json.mapper().readTree(list.stdout()).get(0);
    assertThat(row.get("verifiedAt").isNull()).as(row.toString()).isFalse();
    Result human = cli.run("--config", config.toString(), "backups");
    assertThat(human.stdout())
        .contains("VERIFIED")
        .contains(row.get("verifiedAt").asString().substring(0, 10));

    // a newer backup is not verified by its elders' marks
    Result second = cli.run("--config", config.toString(), "backup");
    assertThat(second.exitCode()).as(second.toString()).isZero();
    JsonNode rows = Json.mapper().readTree(backups(cli, config).stdout());
    assertThat(rows.get(0).get("id").asString()).isEqualTo(second.stdout().trim());
    assertThat(rows.get(0).get("verifiedAt").isNull()).isTrue();
    assertThat(rows.get(1).get("verifiedAt").isNull()).isFalse();
  }

  @Test
  void aPassedDrillMarksTheCopyItRestoredAndAFailedOneMarksNothing() throws Exception {
    Path local = dir.resolve("local-store");
    Fixture fx = new Fixture(dir).filesystem("local", local);
    Path drills = Files.createDirectories(dir.resolve("drills"));
    Files.writeString(drills.resolve("accounts-exist.sql"), "SELECT count(*) > 0 FROM accounts");
    fx.yaml("  drills:\n    dir: \"" + drills + "\"");
    Path config = fx.write(db, "app");
    LifeboatCli cli = fx.cli();
    Result backup = cli.run("--config", config.toString(), "backup");
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    String id = backup.stdout().trim();

    Path failing = dir.resolve("failing-drills");
    Files.createDirectories(failing);
    Files.writeString(failing.resolve("never.sql"), "SELECT false");
    Path failingConfig = dir.resolve("failing.yml");
    Files.writeString(failingConfig, "lifeboat:\n  drills:\n    dir: \"" + failing + "\"\n");
    Result failed =
        cli.run("--config", config.toString(), "--config", failingConfig.toString(), "drill");
    assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(1);
    assertThat(local.resolve("app/" + id + "/verified.json")).doesNotExist();

    Result passed = cli.run("--config", config.toString(), "drill");
    assertThat(passed.exitCode()).as(passed.toString()).isZero();
    Path mark = local.resolve("app/" + id + "/verified.json");
    assertThat(mark).exists();
    JsonNode content = Json.mapper().readTree(Files.readString(mark));
    assertThat(content.get("by").asString()).isEqualTo("drill");
    assertThat(content.get("backup").asString()).isEqualTo(id);
    JsonNode row = Json.mapper().readTree(backups(cli, config).stdout()).get(0);
    assertThat(row.get("verifiedAt").isNull()).isFalse();
  }

  private static Result backups(LifeboatCli cli, Path config) {
    Result list = cli.run("--config", config.toString(), "backups", "--json");
    assertThat(list.exitCode()).as(list.toString()).isZero();
    return list;
  }
}
