package dev.lifeboat.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.base.Json;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
import dev.lifeboat.testing.S3ProxyServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Manifests are input, not truth: planted or damaged manifests in a filesystem store and an S3
 * store are each named and skipped, the sound backup is still listed, and nothing prints a stack
 * trace. Through the real jar.
 */
class InvalidManifestIntegrationTests {

  static PgConnection db;
  static S3ProxyServer s3;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    db = PostgresServer.shared().createExampleDatabase("manifests_it", 1);
    s3 = S3ProxyServer.shared("a");
  }

  /** Bad manifests by the id they are stored under, each made from the good one. */
  private static Map<String, String> planted(String good) {
    Map<String, String> bad = new LinkedHashMap<>();
    bad.put("20200101T000000Z", with(good, "20200101T000000Z", m -> m.put("target", "other")));
    bad.put(
        "20200102T000000Z",
        with(good, "20200102T000000Z", m -> m.put("id", "../../../../tmp/pwn")));
    bad.put(
        "20200103T000000Z",
        with(good, "20200103T000000Z", m -> m.put("completedAt", "9999-12-31T00:00:00Z")));
    bad.put("20200104T000000Z", with(good, "20200104T000000Z", m -> m.remove("tables")));
    bad.put("20200105T000000Z", "{ \"id\": \"20200105T000000Z\", \"target\": ");
    return bad;
  }

  private static String with(
      String good, String id, java.util.function.Consumer<ObjectNode> change) {
    ObjectNode m = (ObjectNode) Json.mapper().readTree(good);
    m.put("id", id);
    change.accept(m);
    return m.toString();
  }

  @Test
  void invalidManifestsAreNamedAndSkippedWhileTheSoundBackupIsListed() throws Exception {
    s3.createBucket("planted");
    Fixture fx =
        new Fixture(dir).s3("s3-a", s3, "planted").filesystem("local", dir.resolve("store"));
    Path config = fx.write(db, "app");
    LifeboatCli cli = fx.cli();
    Result backup = cli.run("--config", config.toString(), "backup");
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    String id = backup.stdout().trim();

    String good = Files.readString(dir.resolve("store/app/" + id + "/manifest.json"));
    Map<String, String> bad = planted(good);
    try (var client = s3.client()) {
      for (Map.Entry<String, String> e : bad.entrySet()) {
        Path file = dir.resolve("store/app/" + e.getKey() + "/manifest.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, e.getValue());
        client.putObject(
            b -> b.bucket("planted").key("lifeboat/app/" + e.getKey() + "/manifest.json"),
            RequestBody.fromString(e.getValue(), StandardCharsets.UTF_8));
      }
    }

    Result list = cli.run("--config", config.toString(), "backups", "--json");

    assertThat(list.exitCode()).as("the list is partial, not failed: " + list).isEqualTo(3);
    JsonNode rows = Json.mapper().readTree(list.stdout());
    assertThat(rows.size()).isEqualTo(1);
    assertThat(rows.get(0).get("id").asString()).isEqualTo(id);
    assertThat(rows.get(0).get("stores").toString()).contains("s3-a", "local");
    for (String planted : bad.keySet()) {
      assertThat(list.stderr())
          .contains("store 'local' holds an invalid manifest app/" + planted + "/manifest.json")
          .contains("store 's3-a' holds an invalid manifest app/" + planted + "/manifest.json");
    }
    assertThat(list.stderr())
        .contains("target 'other'")
        .contains("id '../../../../tmp/pwn'")
        .contains("in the future")
        .contains("lacks startedAt, completedAt or tables")
        .contains("not valid JSON")
        .doesNotContain("Exception")
        .doesNotContain("\tat ");

    // latest is the sound backup, not the one claiming to complete in 9999
    Result verify = cli.run("--config", config.toString(), "verify", "latest");
    assertThat(verify.exitCode()).as(verify.toString()).isZero();
    assertThat(verify.all()).contains(id);

    // naming an invalid one is a clear refusal, not a stack trace and not a read elsewhere
    for (String planted : bad.keySet()) {
      Result restore =
          cli.run(
              "--config",
              config.toString(),
              "restore",
              planted,
              "--into",
              "never_created",
              "--yes");
      assertThat(restore.exitCode()).as(restore.toString()).isEqualTo(2);
      assertThat(restore.stderr())
          .contains("backup '" + planted + "' of target 'app' cannot be used")
          .contains("invalid manifest")
          .doesNotContain("\tat ");
    }
    Result verifyBad = cli.run("--config", config.toString(), "verify", "20200101T000000Z");
    assertThat(verifyBad.exitCode()).as(verifyBad.toString()).isEqualTo(2);
    assertThat(verifyBad.stderr()).contains("target 'other'");
  }
}
