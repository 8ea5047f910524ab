package dev.lifeboat.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.RecordingEndpoint;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One-shot commands push their metrics to a Pushgateway when enabled: a real HTTP endpoint here
 * records what the real jar sends.
 */
class PushgatewayIntegrationTests {

  @TempDir Path dir;

  @Test
  void backupAndDrillPushTheirMetricsEachIntoItsOwnGroup() throws Exception {
    RecordingEndpoint gateway = new RecordingEndpoint();
    List<String> pushes = gateway.requests();
    try {
      PgConnection db = PostgresServer.shared().createExampleDatabase("push_it", 1);
      Fixture fx =
          new Fixture(dir)
              .filesystem("local", dir.resolve("store"))
              .yaml(
                  "management.prometheus.metrics.export.pushgateway:\n  enabled: true\n  address: 127.0.0.1:"
                      + gateway.port()
                      + "\n  format: text");
      Path config = fx.write(db, "app");
      LifeboatCli cli = fx.cli();

      Result backup = cli.run("--config", config.toString(), "backup");
      Result drill = cli.run("--config", config.toString(), "drill");

      assertThat(backup.exitCode()).as(backup.toString()).isZero();
      assertThat(drill.exitCode()).as(drill.toString()).isZero();
      String backupPush =
          pushes.stream()
              .filter(p -> p.startsWith("PUT /metrics/job/lifeboat/command/backup"))
              .findFirst()
              .orElseThrow();
      assertThat(backupPush)
          .as(pushes.toString())
          .startsWith("PUT /metrics/job/lifeboat/command/backup")
          .contains("lifeboat_job_runs_total{job=\"backup\",outcome=\"success\",target=\"app\"} 1")
          .contains("lifeboat_backup_last_success_timestamp_seconds{target=\"app\"}")
          .contains("lifeboat_backup_size_bytes{target=\"app\"}");
      String drillPush =
          pushes.stream()
              .filter(p -> p.startsWith("PUT /metrics/job/lifeboat/command/drill"))
              .findFirst()
              .orElseThrow();
      assertThat(drillPush)
          .contains("lifeboat_job_runs_total{job=\"drill\",outcome=\"success\",target=\"app\"} 1")
          .contains("lifeboat_drill_last_success_timestamp_seconds{target=\"app\"}")
          .contains("lifeboat_drill_restore_seconds{target=\"app\"}")
          // the drill marked the backup verified: the newest proven backup is known
          .contains("lifeboat_backup_verified_last_success_timestamp_seconds{target=\"app\"}");
    } finally {
      gateway.close();
    }
  }
}
