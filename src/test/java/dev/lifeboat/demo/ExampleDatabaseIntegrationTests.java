package dev.lifeboat.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.PostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ExampleDatabaseIntegrationTests {

  private static PgConnection db;
  private static ExampleDatabase.Loaded loaded;

  @BeforeAll
  static void load() {
    db = PostgresServer.shared().createDatabase("example");
    loaded = ExampleDatabase.load(db, Path.of("jobs/example"), 1);
    System.out.printf(
        "example scale 1: %d MB of tables in %d ms%n",
        loaded.tableBytes() / 1_000_000, loaded.elapsed().toMillis());
  }

  @Test
  void loadsAboutThirtyMegabytesAtScaleOne() {
    assertThat(loaded.scale()).isEqualTo(1);
    assertThat(loaded.tableBytes()).isBetween(20_000_000L, 45_000_000L);
  }

  @Test
  void fillsEveryTableAndListsTheTenantTables() throws SQLException {
    try (Connection c = db.open()) {
      assertThat(ExampleDatabase.tenantTables(c))
          .containsExactlyInAnyOrderElementsOf(ExampleDatabase.TENANT_TABLES)
          .hasSizeGreaterThanOrEqualTo(6);
      for (String table : ExampleDatabase.TABLES) {
        assertThat(count(c, "SELECT count(*) FROM " + table)).as(table).isPositive();
      }
      assertThat(count(c, "SELECT count(DISTINCT account_id) FROM tasks")).isEqualTo(25);
    }
  }

  @Test
  void enablesAndForcesRowLevelSecurityOnEveryTenantTable() throws SQLException {
    try (Connection c = db.open();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace"
                    + " AND relkind = 'r' AND relrowsecurity AND relforcerowsecurity")) {
      List<String> secured = new ArrayList<>();
      while (rs.next()) {
        secured.add(rs.getString(1));
      }
      assertThat(secured).containsAll(ExampleDatabase.TENANT_TABLES);
      assertThat(count(c, "SELECT count(*) FROM pg_policies WHERE schemaname = 'public'"))
          .isGreaterThanOrEqualTo(7);
      assertThat(
              count(
                  c,
                  "SELECT count(DISTINCT tablename) FROM pg_policies WHERE schemaname = 'public'"
                      + " AND 'app_tenant' = ANY (roles)"))
          .isEqualTo(ExampleDatabase.TABLES.size());
    }
  }

  @Test
  void confinesTheTenantRoleToItsOwnAccount() throws SQLException {
    try (Connection c = db.open();
        Statement s = c.createStatement()) {
      long allTasks = count(c, "SELECT count(*) FROM tasks");
      long account3 = count(c, "SELECT count(*) FROM tasks WHERE account_id = 3");
      s.execute("SET ROLE app_tenant");
      try {
        assertThat(count(c, "SELECT count(*) FROM tasks")).as("app.account_id unset").isZero();
        s.execute("SET app.account_id = '3'");
        assertThat(count(c, "SELECT count(*) FROM tasks")).isEqualTo(account3).isLessThan(allTasks);
        for (String table : ExampleDatabase.TENANT_TABLES) {
          assertThat(count(c, "SELECT count(*) FROM " + table + " WHERE account_id <> 3"))
              .as(table)
              .isZero();
        }
        assertThat(count(c, "SELECT count(*) FROM accounts")).isEqualTo(1);
        assertThatThrownBy(
                () ->
                    s.execute(
                        "INSERT INTO projects (account_id, key, name) VALUES (4, 'XX', 'theirs')"))
            .hasMessageContaining("row-level security");
      } finally {
        s.execute("RESET ROLE");
        s.execute("RESET app.account_id");
      }
    }
  }

  private static long count(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
