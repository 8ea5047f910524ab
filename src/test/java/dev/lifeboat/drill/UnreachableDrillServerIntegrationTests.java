package dev.lifeboat.drill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.base.Json;
import dev.lifeboat.catalog.Manifest;
import dev.lifeboat.catalog.Manifests;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.FakeManifests;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.RecordingEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A drill whose server does not answer has failed, with that reason: not "another drill is
 * running", not skipped; its webhook fires and history records it failed (real jar, a drill-url on
 * a port nothing listens on).
 */
class UnreachableDrillServerIntegrationTests {

  @TempDir Path dir;

  @Test
  void aDrillThatCannotReachItsServerFailsSaysWhyAndFiresDrillFailed() throws Exception {
    PgConnection db = PostgresServer.shared().createDatabase("drill_unreachable");
    Path store = dir.resolve("store");
    Instant completed = Instant.parse("2026-12-01T02:01:00Z");
    Manifest m = FakeManifests.of("20261201T020000Z", "app", completed, null);
    Files.createDirectories(store.resolve("app/20261201T020000Z"));
    Files.writeString(store.resolve("app/20261201T020000Z/dump"), "dump");
    Files.write(store.resolve("app/20261201T020000Z/manifest.json"), Manifests.write(m));
    try (RecordingEndpoint hook = new RecordingEndpoint()) {
      int dead = PostgresServer.freePort();
      Fixture fx =
          new Fixture(dir)
              .filesystem("local", store)
              .targetYaml(
                  "app", "      drill-url: \"jdbc:postgresql://127.0.0.1:" + dead + "/postgres\"")
              .yaml(
                  "  notify:\n    webhooks: [ { url: \""
                      + hook.url("/hook")
                      + "\", events: [drill-failed, drill-skipped] } ]");
      Path config = fx.write(db, "app");
      LifeboatCli cli = fx.cli();

      // the manifest is made by hand: unsigned
      Result drill = cli.run("--config", config.toString(), "drill", "--json", "--allow-unsigned");

      assertThat(drill.exitCode()).as(drill.toString()).isEqualTo(1);
      JsonNode report = Json.mapper().readTree(drill.stdout());
      assertThat(report.get("status").asString()).isEqualTo("failed");
      assertThat(report.get("checks").toString())
          .contains("cannot connect")
          .contains("127.0.0.1:" + dead)
          .doesNotContain("another drill is running");
      assertThat(drill.stderr()).doesNotContain("another drill is running");
      JsonNode history =
          Json.mapper()
              .readTree(cli.run("--config", config.toString(), "history", "--json").stdout());
      assertThat(history.get(0).get("job").asString()).isEqualTo("drill");
      assertThat(history.get(0).get("outcome").asString())
          .as(history.toString())
          .isEqualTo("failed");
      assertThat(hook.requests()).as("one drill-failed webhook").hasSize(1);
      assertThat(hook.requests().get(0)).contains("drill-failed").doesNotContain("drill-skipped");
    }
  }
}
