package dev.lifeboat.restore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.base.Json;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A restore is a job like the others (real jar): SIGTERM during pg_restore ends it STOPPED, exit 1,
 * recorded in history, its staging database dropped and the destination never created.
 */
class RestoreStopIntegrationTests {

  @TempDir Path dir;

  @Test
  void aSigtermDuringPgRestoreEndsTheRunStoppedAndTouchesNothing() throws Exception {
    PgConnection source = PostgresServer.shared().createExampleDatabase("restore_stop_src", 2);
    Fixture fx = new Fixture(dir).filesystem("local-a", dir.resolve("a"));
    Path config = fx.write(source, "app");
    LifeboatCli cli = fx.cli();
    Result backup = cli.run("--config", config.toString(), "backup");
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    String into = "stopped_" + System.nanoTime() % 1_000_000;

    LifeboatCli.Running restore =
        cli.start("--config", config.toString(), "restore", "latest", "--into", into, "--yes");
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (!exists(source, into + RestorePlanner.STAGING_SUFFIX)) {
      assertThat(restore.process().isAlive())
          .as("the restore ended before pg_restore began: " + restore.stderrSoFar())
          .isTrue();
      assertThat(System.nanoTime()).as("no staging database within 120 s").isLessThan(deadline);
      Thread.sleep(20);
    }
    Thread.sleep(200);
    restore.process().destroy(); // SIGTERM
    Result stopped = restore.await(Duration.ofSeconds(60));

    assertThat(stopped.exitCode()).as(stopped.toString()).isEqualTo(1);
    assertThat(stopped.stderr()).contains("stopped on request").contains("'" + into + "'");
    assertThat(exists(source, into)).as("the destination was never created").isFalse();
    assertThat(exists(source, into + RestorePlanner.STAGING_SUFFIX))
        .as("no staging database left")
        .isFalse();
    JsonNode runs =
        Json.mapper()
            .readTree(
                cli.run("--config", config.toString(), "history", "--json", "--job", "restore")
                    .stdout());
    assertThat(runs.size()).as(runs.toString()).isEqualTo(1);
    assertThat(runs.get(0).get("outcome").asString()).isEqualTo("stopped");
    assertThat(runs.get(0).get("trigger").asString()).isEqualTo("cli");
  }

  private static boolean exists(PgConnection server, String database) throws Exception {
    try (Connection c = server.withDatabase("postgres").open();
        PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      ps.setString(1, database);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }
}
