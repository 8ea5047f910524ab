package dev.lifeboat.drill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.base.Json;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The built-in tenant-isolation drill check on the sample schema, through the real jar. */
class TenantIsolationIntegrationTests {

  static final String[] TENANT_TABLES = {
    "public.attachments",
    "public.audit_log",
    "public.comments",
    "public.invoice_lines",
    "public.invoices",
    "public.projects",
    "public.tasks",
    "public.users"
  };

  @TempDir Path dir;

  private Result drill(PgConnection db) throws Exception {
    Fixture fx =
        new Fixture(dir)
            .filesystem("local", dir.resolve("store"))
            .targetYaml(
                "app",
                "      tenant-isolation: { role: app_tenant, setting: app.account_id,"
                    + " probe-accounts: [1, 2] }");
    Path config = fx.write(db, "app");
    LifeboatCli cli = fx.cli();
    Result backup = cli.run("--config", config.toString(), "backup");
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    return cli.run("--config", config.toString(), "drill", "--json");
  }

  private static Map<String, JsonNode> tenantChecks(Result r) throws Exception {
    Map<String, JsonNode> checks = new LinkedHashMap<>();
    Json.mapper()
        .readTree(r.stdout())
        .get("checks")
        .forEach(
            c -> {
              String name = c.get("name").asString();
              if (name.startsWith("tenant-isolation ")) {
                checks.put(name.substring("tenant-isolation ".length()), c);
              }
            });
    return checks;
  }

  @Test
  void theSampleSchemaIsolatesEveryTenantTableAndEachTableIsALineOfTheReport() throws Exception {
    PgConnection db = PostgresServer.shared().createExampleDatabase("tenant_ok", 1);

    Result r = drill(db);

    assertThat(r.exitCode()).as(r.toString()).isZero();
    Map<String, JsonNode> checks = tenantChecks(r);
    assertThat(checks.keySet()).containsExactly(TENANT_TABLES);
    checks
        .values()
        .forEach(c -> assertThat(c.get("status").asString()).as(c.toString()).isEqualTo("passed"));
    assertThat(checks.get("public.tasks").get("detail").asString())
        .contains("all of account 1")
        .contains("update/delete touched none of account 2's")
        .contains("insert for 2 rejected")
        .contains("none without app.account_id");
    // the probe changed nothing: it ran in a transaction that was rolled back
    assertThat(r.stderr()).doesNotContain("FAILED");
  }

  @Test
  void aDroppedPolicyAndAPermissivePolicyFailTheDrillNamingTheirTables() throws Exception {
    PgConnection db = PostgresServer.shared().createExampleDatabase("tenant_broken", 1);
    try (Connection c = db.open();
        Statement st = c.createStatement()) {
      st.execute("DROP POLICY tenant_isolation ON tasks");
      st.execute("CREATE POLICY everyone ON invoices TO app_tenant USING (true) WITH CHECK (true)");
    }

    Result r = drill(db);

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    Map<String, JsonNode> checks = tenantChecks(r);
    assertThat(checks.get("public.tasks").get("status").asString()).isEqualTo("failed");
    assertThat(checks.get("public.tasks").get("detail").asString())
        .contains("no policy lets the tenant read its own rows");
    assertThat(checks.get("public.invoices").get("status").asString()).isEqualTo("failed");
    assertThat(checks.get("public.invoices").get("detail").asString())
        .contains("rows of other accounts with app.account_id=1")
        .contains("update touched")
        .contains("delete touched")
        .contains("an insert for account 2 was not rejected by row-level security");
    assertThat(checks.get("public.users").get("status").asString()).isEqualTo("passed");
    assertThat(r.stderr()).contains("FAILED tenant-isolation public.invoices");
    // the probe's deletes and inserts were rolled back in the source's restored copy; the source
    // itself was never touched
    try (Connection c = db.open();
        Statement st = c.createStatement();
        var rs = st.executeQuery("SELECT count(*) FROM invoices WHERE account_id = 2")) {
      rs.next();
      assertThat(rs.getLong(1)).isPositive();
    }
  }

  @Test
  void aTableWhoseRowLevelSecurityIsNotForcedFails() throws Exception {
    PgConnection db = PostgresServer.shared().createExampleDatabase("tenant_unforced", 1);
    try (Connection c = db.open();
        Statement st = c.createStatement()) {
      st.execute("ALTER TABLE comments NO FORCE ROW LEVEL SECURITY");
    }

    Result r = drill(db);

    assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
    JsonNode comments = tenantChecks(r).get("public.comments");
    assertThat(comments.get("status").asString()).isEqualTo("failed");
    assertThat(comments.get("detail").asString()).contains("not forced");
  }

  /**
   * A schema as real databases write it: policies that cast {@code current_setting(..., true)}
   * without {@code nullif} (an unset session gets an error, not an empty result), beside the same
   * tables with {@code nullif}, and one table that really leaks to an unset session; quoted
   * mixed-case names, a table without a primary key, a partitioned table with a composite key, a
   * trigger and an extension.
   */
  @Test
  void policiesCastingTheSettingWithoutNullifIsolateAndOnlyARealLeakFails() throws Exception {
    PgConnection db = PostgresServer.shared().createDatabase("tenant_cast");
    try (Connection c = db.open();
        Statement st = c.createStatement()) {
      st.execute(
          "DO $$ BEGIN CREATE ROLE app_tenant NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL;"
              + " END $$");
      st.execute("CREATE EXTENSION IF NOT EXISTS citext");
      String cast = "current_setting('app.account_id', true)::bigint";
      String nullif = "nullif(current_setting('app.account_id', true), '')::bigint";
      for (String[] schema :
          new String[][] {
            {"plain", "account_id = " + cast},
            {"nullif", "account_id = " + nullif},
            // an unset session sees every account: the mistake the drill must still catch
            {
              "leaky",
              "account_id::text = coalesce(nullif(current_setting('app.account_id', true), ''),"
                  + " account_id::text)"
            }
          }) {
        String n = schema[0];
        String policy = schema[1];
        st.execute("CREATE SCHEMA " + n);
        st.execute(
            "CREATE TABLE "
                + n
                + ".\"Invoices\" (account_id bigint NOT NULL, id bigint NOT NULL, \"Total\""
                + " numeric, email citext, PRIMARY KEY (account_id, id))");
        st.execute(
            "CREATE TABLE "
                + n
                + ".events (account_id bigint NOT NULL, what text, at timestamptz DEFAULT now())");
        st.execute(
            "CREATE TABLE "
                + n
                + ".measurements (account_id bigint NOT NULL, id bigint NOT NULL, v float8,"
                + " PRIMARY KEY (account_id, id)) PARTITION BY LIST (account_id)");
        st.execute(
            "CREATE TABLE " + n + ".m1 PARTITION OF " + n + ".measurements FOR VALUES IN (1)");
        st.execute("CREATE TABLE " + n + ".m_other PARTITION OF " + n + ".measurements DEFAULT");
        st.execute(
            "CREATE FUNCTION "
                + n
                + ".stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.at := now();"
                + " RETURN NEW; END $$");
        st.execute(
            "CREATE TRIGGER stamp BEFORE INSERT OR UPDATE ON "
                + n
                + ".events FOR EACH ROW EXECUTE FUNCTION "
                + n
                + ".stamp()");
        for (String t : new String[] {"\"Invoices\"", "events", "measurements"}) {
          String table = n + "." + t;
          st.execute(
              "INSERT INTO "
                  + table
                  + (t.equals("events")
                      ? " (account_id, what) SELECT a, 'e' || g"
                      : t.equals("measurements")
                          ? " SELECT a, g, g * 0.5"
                          : " SELECT a, g, g * 10, 'u' || g || '@example.com'")
                  + " FROM generate_series(1, 3) a, generate_series(1, 20) g");
          st.execute("ALTER TABLE " + table + " ENABLE ROW LEVEL SECURITY");
          st.execute("ALTER TABLE " + table + " FORCE ROW LEVEL SECURITY");
          st.execute(
              "CREATE POLICY tenant ON "
                  + table
                  + " TO app_tenant USING ("
                  + policy
                  + ") WITH CHECK ("
                  + policy
                  + ")");
          st.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON " + table + " TO app_tenant");
        }
        st.execute("GRANT USAGE ON SCHEMA " + n + " TO app_tenant");
      }
    }

    Result r = drill(db);

    Map<String, JsonNode> checks = tenantChecks(r);
    assertThat(checks).as(r.toString()).hasSize(9);
    checks.forEach(
        (table, check) -> {
          String status = check.get("status").asString();
          String detail = check.get("detail").asString();
          if (table.startsWith("leaky.")) {
            assertThat(status).as(table + ": " + detail).isEqualTo("failed");
            assertThat(detail).contains("rows without app.account_id");
          } else {
            assertThat(status).as(table + ": " + detail).isEqualTo("passed");
            assertThat(detail).contains("all of account 1", "none without app.account_id");
          }
          if (table.startsWith("plain.")) {
            assertThat(detail).contains("the policy raises an error then", "nullif");
          }
        });
    assertThat(checks).containsKeys("plain.\"Invoices\"", "nullif.events", "leaky.measurements");
    assertThat(r.exitCode()).as("the leaky schema fails the drill: " + r).isEqualTo(1);
  }
}
