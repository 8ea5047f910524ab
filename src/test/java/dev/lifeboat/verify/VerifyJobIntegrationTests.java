package dev.lifeboat.verify;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code verify} is a job like the others (real jar): a corrupt copy is a failed run in history
 * with the store named, and the {@code verify-failed} webhook fires.
 */
class VerifyJobIntegrationTests {

  @TempDir Path dir;

  @Test
  void aVerifyThatFindsACorruptCopyIsAFailedRunInHistoryAndFiresVerifyFailed() throws Exception {
    PgConnection db = PostgresServer.shared().createDatabase("verify_job");
    try (RecordingEndpoint hook = new RecordingEndpoint()) {
      Fixture fx =
          new Fixture(dir)
              .filesystem("a", dir.resolve("a"))
              .filesystem("b", dir.resolve("b"))
              .yaml(
                  "  notify:\n    webhooks: [ { url: \""
                      + hook.url("/hook")
                      + "\", events: [verify-failed, verify-succeeded] } ]");
      Path config = fx.write(db, "app");
      LifeboatCli cli = fx.cli();
      Result backup = cli.run("--config", config.toString(), "backup");
      assertThat(backup.exitCode()).as(backup.toString()).isZero();
      String id = backup.stdout().trim().lines().reduce((x, y) -> y).orElseThrow();
      Path dump = dir.resolve("b/app/" + id + "/dump");
      byte[] bytes = Files.readAllBytes(dump);
      bytes[bytes.length / 2] ^= 0x5a;
      Files.write(dump, bytes);

      Result verify = cli.run("--config", config.toString(), "verify", "latest");

      assertThat(verify.exitCode()).as(verify.toString()).isEqualTo(1);
      assertThat(verify.stdout()).contains("a: ok").contains("b: corrupt");
      JsonNode runs =
          Json.mapper()
              .readTree(cli.run("--config", config.toString(), "history", "--json").stdout());
      JsonNode run = runs.get(0);
      assertThat(run.get("job").asString()).as(runs.toString()).isEqualTo("verify");
      assertThat(run.get("outcome").asString()).isEqualTo("failed");
      assertThat(run.get("trigger").asString()).isEqualTo("cli");
      assertThat(run.get("result").asString()).contains("backup " + id, "a ok", "b corrupt");
      assertThat(run.get("error").asString()).contains("b: corrupt");
      assertThat(hook.requests()).as("one verify-failed webhook").hasSize(1);
      assertThat(hook.requests().get(0)).contains("verify-failed").contains("app");
    }
  }
}
