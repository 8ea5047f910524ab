package dev.lifeboat.restore;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.ZstdInputStream;
import dev.lifeboat.base.Json;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * "The server is gone": a backup of the sample database restored onto a second, brand-new cluster
 * that has none of its roles, then drilled there (tenant isolation included).
 */
class NewServerRestoreIntegrationTests {

  @TempDir Path dir;

  static final String TENANT_ISOLATION =
      "      tenant-isolation: { role: app_tenant, setting: app.account_id, probe-accounts: [1, 2] }";

  private static String globalsOf(Path store, String id) throws Exception {
    try (InputStream in =
        new ZstdInputStream(
            Files.newInputStream(store.resolve("app/" + id + "/globals.sql.zst")))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void aDrillOnABrandNewDrillServerCreatesTheRolesItLacksWithoutPrivilegesAndDropsThemAfter()
      throws Exception {
    PgConnection source = PostgresServer.shared().createExampleDatabase("dr_drill_src", 1);
    String superuser = "dr_super_" + UUID.randomUUID().toString().substring(0, 8);
    try (Connection c = source.open();
        Statement st = c.createStatement()) {
      st.execute("CREATE ROLE " + superuser + " SUPERUSER LOGIN PASSWORD 'in-the-globals'");
    }
    PostgresServer fresh = PostgresServer.startNew();
    try {
      // the drill host's operator gave Lifeboat's role the same name and password there
      try (Connection c = fresh.connection("postgres").open();
          Statement st = c.createStatement()) {
        st.execute(
            "ALTER ROLE "
                + source.user()
                + " PASSWORD '"
                + source.password().replace("'", "''")
                + "'");
      }
      // from here on the fresh server's superuser has the source's password
      PgConnection drillServer =
          PgConnection.fromJdbcUrl(
              fresh.connection("postgres").jdbcUrl(), source.user(), source.password());
      assertThat(roleExists(drillServer, "app_tenant")).isFalse();
      Fixture fx =
          new Fixture(Files.createDirectories(dir.resolve("drill")))
              .filesystem("local", dir.resolve("store"))
              .targetYaml("app", TENANT_ISOLATION)
              .targetYaml(
                  "app",
                  "      drill-url: \"jdbc:postgresql://"
                      + drillServer.host()
                      + ":"
                      + drillServer.port()
                      + "/postgres\"")
              .yaml(
                  "  drills:\n    dir: \""
                      + Path.of("jobs/example/drills").toAbsolutePath()
                      + "\"");
      fx.targetYaml("app", "      backup: { role-passwords: true }");
      Path config = fx.write(source, "app");
      LifeboatCli cli = fx.cli();
      Result backup = cli.run("--config", config.toString(), "backup");
      assertThat(backup.exitCode()).as(backup.toString()).isZero();

      Result drill = cli.run("--config", config.toString(), "drill");
      System.out.println("drill on a brand-new drill server:\n" + drill.stdout());
      assertThat(drill.exitCode()).as(drill.toString()).isZero();
      assertThat(drill.stdout())
          .contains("ok     roles")
          .contains("app_tenant")
          // a SUPERUSER role of the globals is made without it, and without its login and hash
          .contains(superuser + " (without LOGIN, SUPERUSER, password hash from the backup)")
          .contains("restored and read as role lifeboat_drill_role_")
          .contains("ok     tenant-isolation public.tasks")
          .doesNotContain("FAILED");
      assertThat(drill.stdout()).containsPattern("cleanup roles +dropped the roles the drill made");
      // the roles the drill made are gone; those it found are not
      assertThat(roleExists(drillServer, "app_tenant")).isFalse();
      assertThat(roleExists(drillServer, superuser)).isFalse();
      assertThat(roleExists(drillServer, source.user())).isTrue();

      // a second drill makes them again, and drops them again
      Result again = cli.run("--config", config.toString(), "drill");
      assertThat(again.exitCode()).as(again.toString()).isZero();
      assertThat(again.stdout()).contains("ok     roles").contains("app_tenant");
      assertThat(roleExists(drillServer, "app_tenant")).isFalse();
      assertThat(drill.all() + again.all()).doesNotContain(source.password());
    } finally {
      fresh.cluster().close();
    }
  }

  @Test
  void aRestoreOntoABrandNewServerNamesTheMissingRolesThenCreatesThemWithTheFlag()
      throws Exception {
    PgConnection source = PostgresServer.shared().createExampleDatabase("dr_src", 1);
    String member = "dr_app_" + UUID.randomUUID().toString().substring(0, 8);
    String replicator = "dr_repl_" + UUID.randomUUID().toString().substring(0, 8);
    try (Connection c = source.open();
        Statement st = c.createStatement()) {
      st.execute("CREATE ROLE " + member + " LOGIN PASSWORD 'not-in-the-globals'");
      st.execute("GRANT app_tenant TO " + member);
      st.execute("CREATE ROLE " + replicator + " LOGIN REPLICATION");
    }
    Path store = dir.resolve("store");
    Fixture old =
        new Fixture(Files.createDirectories(dir.resolve("old"))).filesystem("local", store);
    Path oldConfig = old.write(source, "app");
    Result backup = old.cli().run("--config", oldConfig.toString(), "backup");
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    String id = backup.stdout().strip();

    // the manifest lists the globals beside the dump: key, size, sha256; no role password in them
    JsonNode manifest =
        Json.mapper().readTree(Files.readString(store.resolve("app/" + id + "/manifest.json")));
    JsonNode globals = manifest.get("globals");
    assertThat(globals.get("key").asString()).isEqualTo("app/" + id + "/globals.sql.zst");
    assertThat(globals.get("sizeBytes").asLong())
        .isEqualTo(Files.size(store.resolve("app/" + id + "/globals.sql.zst")));
    assertThat(globals.get("sha256").asString()).hasSize(64);
    String sql = globalsOf(store, id);
    assertThat(sql).contains("CREATE ROLE app_tenant;").contains("CREATE ROLE " + member + ";");
    assertThat(sql).doesNotContain("PASSWORD");

    // the backup host's public key, as its operator reads it there, goes into the new host's file
    Result key = old.cli().run("--config", oldConfig.toString(), "signing-key");
    assertThat(key.exitCode()).as(key.toString()).isZero();
    PostgresServer fresh = PostgresServer.startNew();
    try {
      Fixture now =
          new Fixture(Files.createDirectories(dir.resolve("new")))
              .filesystem("local", store)
              .yaml("  signing:\n    trusted-keys: [ \"" + key.stdout().strip() + "\" ]")
              .targetYaml("app", TENANT_ISOLATION)
              .yaml(
                  "  drills:\n    dir: \""
                      + Path.of("jobs/example/drills").toAbsolutePath()
                      + "\"");
      Path config = now.write(fresh.connection("app"), "app");
      LifeboatCli cli = now.cli();

      Result refused =
          cli.run("--config", config.toString(), "restore", "latest", "--into", "app", "--yes");
      System.out.println("restore without --create-roles:\n" + refused.all());
      assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(2);
      assertThat(refused.stderr())
          .contains("app_tenant")
          .contains(member)
          .contains("--create-roles")
          .contains("nothing was changed");
      assertThat(roleExists(fresh, "app_tenant")).isFalse();

      // a role with REPLICATION (SUPERUSER, BYPASSRLS) needs its own flag; nothing is created
      Result privileged =
          cli.run(
              "--config",
              config.toString(),
              "restore",
              "latest",
              "--into",
              "app",
              "--yes",
              "--create-roles");
      System.out.println("restore --create-roles of a REPLICATION role:\n" + privileged.all());
      assertThat(privileged.exitCode()).as(privileged.toString()).isEqualTo(2);
      assertThat(privileged.stderr())
          .contains(replicator + " (LOGIN, REPLICATION)")
          .contains("--create-privileged-roles")
          .contains("nothing was changed");
      assertThat(roleExists(fresh, "app_tenant")).isFalse();
      assertThat(roleExists(fresh, replicator)).isFalse();

      Result restored =
          cli.run(
              "--config",
              config.toString(),
              "restore",
              "latest",
              "--into",
              "app",
              "--yes",
              "--create-roles",
              "--create-privileged-roles",
              "--json");
      System.out.println("restore --create-roles --create-privileged-roles:\n" + restored.all());
      assertThat(restored.exitCode()).as(restored.toString()).isZero();
      // the plan names every role it creates, with its attributes; so does --json
      assertThat(restored.stderr())
          .contains("signed by lifeboat.signing.trusted-keys[0]")
          .contains("app_tenant (NOLOGIN)")
          .contains(member + " (LOGIN)")
          .contains(replicator + " (LOGIN, REPLICATION)")
          .contains("created roles");
      JsonNode roles = Json.mapper().readTree(restored.stdout()).get("roles");
      assertThat(roles.toString()).contains("\"" + replicator + "\"").contains("\"REPLICATION\"");
      assertThat(roleExists(fresh, "app_tenant")).isTrue();
      assertThat(roleExists(fresh, replicator)).isTrue();
      try (Connection c = fresh.connection("app").open();
          Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT pg_has_role('"
                      + member
                      + "', 'app_tenant', 'MEMBER'),"
                      + " (SELECT rolcanlogin FROM pg_roles WHERE rolname = '"
                      + member
                      + "')")) {
        rs.next();
        assertThat(rs.getBoolean(1)).as("membership restored").isTrue();
        assertThat(rs.getBoolean(2)).as("attributes restored").isTrue();
      }

      Result drill = cli.run("--config", config.toString(), "drill");
      System.out.println("drill on the new cluster:\n" + drill.stdout());
      assertThat(drill.exitCode()).as(drill.toString()).isZero();
      assertThat(drill.stdout())
          .contains("ok     tenant-isolation public.tasks")
          .contains("ok     assert invoices-add-up.sql")
          .doesNotContain("FAILED");
      assertThat(restored.all() + refused.all() + drill.all())
          .doesNotContain(fresh.superuserPassword());
    } finally {
      fresh.cluster().close();
    }
  }

  @Test
  void rolePasswordsAreStoredOnlyWhenTheTargetAsksForThem() throws Exception {
    PgConnection source = PostgresServer.shared().createExampleDatabase("dr_pw", 1);
    Path store = dir.resolve("store");
    Fixture fx =
        new Fixture(dir)
            .filesystem("local", store)
            .targetYaml("app", "      backup: { role-passwords: true }");
    Path config = fx.write(source, "app");
    Result backup = fx.cli().run("--config", config.toString(), "backup");
    assertThat(backup.exitCode()).as(backup.toString()).isZero();

    assertThat(globalsOf(store, backup.stdout().strip())).contains("PASSWORD 'SCRAM-SHA-256$");
  }

  private static boolean roleExists(PostgresServer server, String role) throws Exception {
    return roleExists(server.connection("postgres"), role);
  }

  private static boolean roleExists(PgConnection server, String role) throws Exception {
    try (Connection c = server.open();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT count(*) FROM pg_roles WHERE rolname = '" + role + "'")) {
      rs.next();
      return rs.getInt(1) > 0;
    }
  }
}
