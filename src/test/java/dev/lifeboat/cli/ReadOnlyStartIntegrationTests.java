package dev.lifeboat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.base.Json;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.RecordingEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code backups} starts only what it reads with (ReadOnlyApplication): the stores, not the control
 * database; yet it refuses the same configuration mistakes as every command and pushes its metrics.
 */
class ReadOnlyStartIntegrationTests {

  @TempDir Path dir;

  @Test
  void backupsOnAFreshHomeListsTheStoresWithoutCreatingTheControlDatabase() throws Exception {
    PgConnection db = PostgresServer.shared().createExampleDatabase("ro_fresh", 1);
    Fixture fx = new Fixture(dir).filesystem("local", dir.resolve("store"));
    Path config = fx.write(db, "app");
    LifeboatCli cli = fx.cli();
    Result backup = cli.run("--config", config.toString(), "backup", "--json");
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    String id = Json.mapper().readTree(backup.stdout()).get("id").asString();

    // a fresh machine with only the configuration: another, empty home
    Path fresh = dir.resolve("fresh-home");
    Result list =
        cli.run("--config", config.toString(), "backups", "--json", "--lifeboat.home=" + fresh);

    assertThat(list.exitCode()).as(list.toString()).isZero();
    JsonNode rows = Json.mapper().readTree(list.stdout());
    assertThat(rows.size()).as(list.toString()).isEqualTo(1);
    assertThat(rows.get(0).get("id").asString()).isEqualTo(id);
    assertThat(rows.get(0).get("stores").toString()).isEqualTo("[\"local\"]");
    assertThat(fresh).isDirectory();
    assertThat(fresh.resolve("control")).as("the control database's directory").doesNotExist();
    assertThat(fx.home.resolve("control")).isDirectory(); // the backup made its own, as before
  }

  @Test
  void anUnreachableControlDatabaseDoesNotStopTheListingThatNeverReadsIt() throws Exception {
    Path store = Files.createDirectories(dir.resolve("store"));
    Path config = dir.resolve("lifeboat.yml");
    Files.writeString(
        config,
        base(store)
            + "  control:\n    url: \"jdbc:postgresql://127.0.0.1:"
            + PostgresServer.freePort()
            + "/control\"\n    username: lifeboat\n    password: \"${CONTROL_PASSWORD}\"\n");
    LifeboatCli cli = new LifeboatCli(dir).env("CONTROL_PASSWORD", "control-secret-0042");

    Result list = cli.run("--config", config.toString(), "backups");
    Result history = cli.run("--config", config.toString(), "history");

    assertThat(list.exitCode()).as(list.toString()).isZero();
    assertThat(list.all()).contains("no complete backups of target 'app' in stores [local]");
    // a command that records its runs still refuses, as before
    assertThat(history.exitCode()).as(history.toString()).isEqualTo(2);
    assertThat(history.stderr())
        .contains("lifeboat.control.url: cannot reach the control database");
    assertThat(list.all() + history.all()).doesNotContain("control-secret-0042");
  }

  @Test
  void backupsRefusesABadScheduleOrAnUnsetControlSecretWithTheLineEveryCommandPrints()
      throws Exception {
    Path store = dir.resolve("store");
    String[] mistakes = {
      "  schedules:\n    backup: { cron: \"0 0 25 * * ?\" }\n",
      "  schedules:\n    vacuum: { cron: \"0 0 2 * * ?\" }\n",
      "  schedules:\n    backup: { cron: \"0 0 2 * * ?\", targets: [app, billing] }\n",
      "  control:\n    url: \"jdbc:postgresql://127.0.0.1:1/c\"\n    username: c\n"
          + "    password: \"${CONTROL_PASSWORD_NEVER_SET}\"\n",
    };
    for (String mistake : mistakes) {
      Path config = dir.resolve("lifeboat.yml");
      Files.writeString(config, base(store) + mistake);
      LifeboatCli cli = new LifeboatCli(dir);

      Result list = cli.run("--config", config.toString(), "backups", "--json");
      Result history = cli.run("--config", config.toString(), "history");

      assertThat(list.exitCode()).as(list.toString()).isEqualTo(2);
      assertThat(list.stderr().strip()).as(mistake).isEqualTo(history.stderr().strip());
      assertThat(list.stderr().strip().lines()).hasSize(1);
      assertThat(list.stderr()).startsWith("lifeboat: lifeboat.");
      assertThat(Json.mapper().readTree(list.stdout()).get("exitCode").asInt()).isEqualTo(2);
    }
    assertThat(store).doesNotExist();
  }

  @Test
  void anUnreadableStoreIsNamedAndTheListingIsPartialOrFailed() throws Exception {
    Path store = Files.createDirectories(dir.resolve("store"));
    String down =
        "    down: { type: s3, endpoint: \"http://127.0.0.1:"
            + PostgresServer.freePort()
            + "\", region: us-east-1, bucket: b, path-style: true, access-key: k,"
            + " secret-key: s }\n";
    Path both = Files.writeString(dir.resolve("both.yml"), base(store) + down);
    Path only =
        Files.writeString(
            dir.resolve("only.yml"), base(store).replaceAll("    local: \\{[^\n]*\n", "") + down);
    LifeboatCli cli = new LifeboatCli(dir);

    Result partial = cli.run("--config", both.toString(), "backups");
    Result failed = cli.run("--config", only.toString(), "backups", "--json");

    assertThat(partial.exitCode()).as(partial.toString()).isEqualTo(3);
    assertThat(partial.all())
        .contains("warning: store 'down' could not be read: store 'down' (s3://b/ at")
        .contains("is unreachable")
        .contains("no complete backups of target 'app' in stores [local, down]");
    assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(1);
    assertThat(failed.stderr()).contains("warning: store 'down' could not be read");
    assertThat(failed.stdout().strip()).isEqualTo("[ ]");
  }

  @Test
  void backupsPushesItsMetricsIntoItsOwnGroupWhenThePushgatewayIsEnabled() throws Exception {
    RecordingEndpoint gateway = new RecordingEndpoint();
    List<String> pushes = gateway.requests();
    try {
      Path store = Files.createDirectories(dir.resolve("store"));
      Path config = dir.resolve("lifeboat.yml");
      Files.writeString(
          config,
          base(store)
              + "management.prometheus.metrics.export.pushgateway:\n  enabled: true\n"
              + "  address: 127.0.0.1:"
              + gateway.port()
              + "\n  format: text\n");

      Result list = new LifeboatCli(dir).run("--config", config.toString(), "backups");

      assertThat(list.exitCode()).as(list.toString()).isZero();
      String push =
          pushes.stream()
              .filter(p -> p.startsWith("PUT /metrics/job/lifeboat/command/backups"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no push at exit: " + pushes));
      assertThat(push)
          .contains("jvm_memory_used_bytes")
          .contains("process_uptime_seconds")
          .contains("application_ready_time_seconds");
    } finally {
      gateway.close();
    }
  }

  private String base(Path store) {
    return "lifeboat:\n  home: \""
        + dir.resolve("home")
        + "\"\n  targets:\n    app: { url: \"jdbc:postgresql://127.0.0.1:"
        + PostgresServer.freePort()
        + "/app\", username: app }\n  stores:\n    local: { type: filesystem, path: \""
        + store
        + "\" }\n";
  }
}
