package dev.lifeboat.wal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lifeboat basebackup} through the packaged jar against the shared server: the copy lands in
 * the store with its signed manifest; with no serve node streaming the WAL, it waits its {@code
 * basebackup-wal-timeout}, says so per store and is complete nowhere (exit 1). A target without WAL
 * archiving is refused before anything runs.
 */
class BaseBackupIntegrationTests {

  @TempDir Path dir;

  @Test
  void copiesTheServerToTheStoreAndSaysItWaitsForItsWal() throws Exception {
    PgConnection role = PostgresServer.shared().replicationRole("bbcli", "pw-bbcli-8812");
    Path local = dir.resolve("local");
    Fixture fx = new Fixture(dir).filesystem("local", local);
    Path config =
        fx.targetYaml(
                "app", "      wal:\n        enabled: true\n        basebackup-wal-timeout: 1s")
            .write(role, "app", "plain");
    LifeboatCli cli = fx.cli();

    Result refused = cli.run("--config", config.toString(), "--target", "plain", "basebackup");
    assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(2);
    assertThat(refused.stderr())
        .contains(
            "basebackup of target 'plain' needs lifeboat.targets.plain.wal.enabled: true; a base"
                + " backup is restorable only with its WAL");
    assertThat(local.resolve("plain.wal")).doesNotExist();

    Result r =
        cli.run(
            "--config", config.toString(), "--target", "app", "basebackup", "--label", "weekly");
    System.out.println(r);
    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    String id = r.stdout().strip();
    assertThat(id).matches("\\d{8}T\\d{6}Z(-\\d+)?");
    assertThat(r.stderr())
        .contains("base backup " + id + " of target 'app': failed,")
        .contains("  local: waiting-for-wal - data and manifest stored; segments 0000000100000000")
        .contains(
            "it reaches a store through the WAL receiver of a serve node: see lifeboat wal status")
        .contains("lifeboat: basebackup of target 'app' failed: complete in no store");
    Path folder = local.resolve("app.wal/base/" + id);
    try (Stream<Path> files = Files.list(folder)) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .containsExactlyInAnyOrder("base.tar.zst", "basebackup.json", "basebackup.json.sig");
    }
    assertThat(Files.readString(folder.resolve("basebackup.json")))
        .contains("\"label\" : \"weekly\"", "\"kind\" : \"basebackup\"");
  }
}
