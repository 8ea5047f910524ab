package dev.lifeboat.drill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.base.Json;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Tables whose names hold dots, {@code a."b.c"} and {@code "a.b".c}, are two tables in the manifest
 * and two checks in a drill, through the real jar against real PostgreSQL.
 */
class TableKeyIntegrationTests {

  static PgConnection db;

  @TempDir Path dir;

  @BeforeAll
  static void database() throws Exception {
    db = PostgresServer.shared().createDatabase("dotted");
    try (Connection c = db.open();
        Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA a");
      st.execute("CREATE SCHEMA \"a.b\"");
      st.execute("CREATE TABLE a.\"b.c\" (n int)");
      st.execute("CREATE TABLE \"a.b\".c (n int)");
      st.execute("INSERT INTO a.\"b.c\" SELECT generate_series(1, 3)");
      st.execute("INSERT INTO \"a.b\".c SELECT generate_series(1, 5)");
      st.execute("CREATE TABLE public.accounts (n int)");
      st.execute("INSERT INTO public.accounts VALUES (1)");
    }
  }

  private static Map<String, String> checks(Result drill) {
    Map<String, String> byName = new HashMap<>();
    Json.mapper()
        .readTree(drill.stdout())
        .get("checks")
        .forEach(c -> byName.put(c.get("name").asString(), c.get("status").asString()));
    return byName;
  }

  @Test
  void tablesWhoseDottedNamesOnceCollidedAreCountedAndCheckedSeparately() throws Exception {
    Fixture fx = new Fixture(dir).filesystem("local", dir.resolve("store"));
    Path config = fx.write(db, "app");
    LifeboatCli cli = fx.cli();
    Result backup = cli.run("--config", config.toString(), "backup");
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    String id = backup.stdout().trim();

    Path manifestFile = dir.resolve("store/app/" + id + "/manifest.json");
    JsonNode manifest = Json.mapper().readTree(Files.readString(manifestFile));
    JsonNode tables = manifest.get("tables");
    assertThat(tables.get("a.\"b.c\"").asLong()).isEqualTo(3);
    assertThat(tables.get("\"a.b\".c").asLong()).isEqualTo(5);
    assertThat(tables.get("public.accounts").asLong())
        .as("plain names keep the key older manifests used")
        .isEqualTo(1);

    Result drill = cli.run("--config", config.toString(), "drill", "--json");
    assertThat(drill.exitCode()).as(drill.toString()).isZero();
    assertThat(checks(drill))
        .containsEntry("rows a.\"b.c\"", "passed")
        .containsEntry("rows \"a.b\".c", "passed");

    // one of the two counts tampered (and the manifest's signature, which no longer matches,
    // removed and the backup drilled as unsigned): the drill catches exactly that table
    ((ObjectNode) tables).put("\"a.b\".c", 6);
    Files.writeString(manifestFile, manifest.toString());
    Files.delete(manifestFile.resolveSibling("manifest.sig"));
    Result tampered = cli.run("--config", config.toString(), "drill", "--json", "--allow-unsigned");
    assertThat(tampered.exitCode()).as(tampered.toString()).isNotZero();
    assertThat(checks(tampered))
        .containsEntry("rows a.\"b.c\"", "passed")
        .containsEntry("rows \"a.b\".c", "failed");
  }
}
