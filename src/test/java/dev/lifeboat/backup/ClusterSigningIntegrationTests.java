package dev.lifeboat.backup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.base.Json;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Nodes of one cluster (each with a home, and so a signing key, of its own, sharing a PostgreSQL
 * control database) drill each other's backups: a host records its public key in the control
 * database when it signs, and the others trust it from there (real jar).
 */
class ClusterSigningIntegrationTests {

  @TempDir Path dir;

  static Fixture node(Path dir, Path store, PgConnection control) throws Exception {
    Fixture fx = new Fixture(dir).filesystem("local", store);
    fx.env.put("CONTROL_PASSWORD", control.password());
    return fx.yaml(
        "  control:\n    url: \""
            + control.jdbcUrl()
            + "\"\n    username: "
            + control.user()
            + "\n    password: \"${CONTROL_PASSWORD}\"");
  }

  @Test
  void aBackupOneNodeSignedIsDrilledOnAnotherNodeOfTheSameControlDatabase() throws Exception {
    PgConnection db = PostgresServer.shared().createExampleDatabase("cluster_signing", 1);
    PgConnection control = PostgresServer.shared().createDatabase("control_signing");
    Path store = dir.resolve("store");
    Fixture a = node(dir.resolve("a"), store, control);
    Fixture b = node(dir.resolve("b"), store, control);
    Path configA = a.write(db, "app");
    Path configB = b.write(db, "app");

    Result backup = a.cli().run("--config", configA.toString(), "backup", "--lifeboat.node=node-a");
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    Result drill =
        b.cli().run("--config", configB.toString(), "drill", "--json", "--lifeboat.node=node-b");

    assertThat(drill.exitCode()).as(drill.toString()).isZero();
    JsonNode signature = null;
    for (JsonNode c : Json.mapper().readTree(drill.stdout()).get("checks")) {
      if (c.get("name").asString().equals("signature")) {
        signature = c;
      }
    }
    assertThat(signature).as(drill.stdout()).isNotNull();
    assertThat(signature.get("detail").asString())
        .contains("node node-a's signing key (recorded in the control database)");
    assertThat(dir.resolve("b/home/keys/signing.key"))
        .as("a drill makes no key: node-b trusted node-a's from the control database alone")
        .doesNotExist();
  }
}
