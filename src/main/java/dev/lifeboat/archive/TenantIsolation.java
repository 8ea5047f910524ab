package dev.lifeboat.archive;

import dev.lifeboat.config.LifeboatProperties;
import dev.lifeboat.pg.PgCatalog;
import dev.lifeboat.pg.PgCatalog.Table;
import dev.lifeboat.pg.PgErrors;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The built-in drill check {@code tenant-isolation}: in the restored database, as the application
 * role with the session setting at account A, no select, update or delete on a tenant table sees or
 * touches account B's rows, an insert for B is rejected, and nothing is visible without the
 * setting. Everything runs in one transaction that is rolled back.
 */
public final class TenantIsolation {

  /** A table holding the tenant column, with its row-level security as the catalog says. */
  public record TenantTable(Table table, boolean enabled, boolean forced, int policies) {}

  private static final Pattern SETTING =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)+");

  private static final String PERMISSION_DENIED = "42501";

  private TenantIsolation() {}

  /**
   * Every ordinary or partitioned (not partition) table with {@code column}, by schema and name.
   */
  public static List<TenantTable> tenantTables(Connection c, String column) throws SQLException {
    List<TenantTable> tables = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            SELECT n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = ? AND NOT a.attisdropped
            WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
              AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname NOT LIKE 'pg\\_%'
            ORDER BY 1, 2
            """)) {
      ps.setString(1, column);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          tables.add(
              new TenantTable(
                  new Table(rs.getString(1), rs.getString(2)),
                  rs.getBoolean(3),
                  rs.getBoolean(4),
                  rs.getInt(5)));
        }
      }
    }
    return tables;
  }

  /**
   * Runs the check on {@code c} (a session of a role allowed to {@code SET ROLE} to the configured
   * one and to read every row, as the drill's is); one {@link DrillCheck} per tenant table.
   */
  static List<DrillCheck> check(
      Connection c, LifeboatProperties.TenantIsolation config, String target, String column) {
    String key = "lifeboat.targets." + target + ".tenant-isolation";
    if (config.role() == null || config.role().isBlank()) {
      return List.of(
          DrillCheck.failed(
              "tenant-isolation", key + ".role is missing; set the application role"));
    }
    if (config.probeAccounts().size() != 2
        || config.probeAccounts().get(0).equals(config.probeAccounts().get(1))) {
      return List.of(
          DrillCheck.failed(
              "tenant-isolation",
              key + ".probe-accounts needs two different accounts, e.g. [1, 2]"));
    }
    if (!SETTING.matcher(config.setting()).matches()) {
      return List.of(
          DrillCheck.failed(
              "tenant-isolation",
              key
                  + ".setting '"
                  + config.setting()
                  + "' is not a custom setting such as app.account_id"));
    }
    List<DrillCheck> checks = new ArrayList<>();
    try {
      c.setAutoCommit(false);
      try {
        List<TenantTable> tables = tenantTables(c, column);
        if (tables.isEmpty()) {
          checks.add(
              DrillCheck.failed(
                  "tenant-isolation", "no table has the tenant column '" + column + "'"));
        }
        for (TenantTable t : tables) {
          checks.add(table(c, t, config, column));
        }
      } finally {
        c.rollback();
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      checks.add(
          DrillCheck.failed(
              "tenant-isolation", "cannot run: " + PgErrors.firstLine(e.getMessage())));
    }
    return checks;
  }

  private static DrillCheck table(
      Connection c, TenantTable t, LifeboatProperties.TenantIsolation config, String column)
      throws SQLException {
    String name = "tenant-isolation " + t.table().key();
    String a = config.probeAccounts().get(0);
    String b = config.probeAccounts().get(1);
    String q = t.table().sql();
    String col = PgCatalog.quote(column);
    if (!t.enabled()) {
      return DrillCheck.failed(
          name, "row-level security is not enabled: every role sees every account");
    }
    if (!t.forced()) {
      return DrillCheck.failed(
          name, "row-level security is enabled but not forced: the table owner sees every account");
    }
    Savepoint sp = c.setSavepoint();
    try {
      long aRows;
      long bRows;
      String probe;
      try (Statement st = c.createStatement()) {
        st.execute("SET LOCAL row_security = off");
      }
      try (PreparedStatement ps =
          c.prepareStatement("SELECT count(*) FROM " + q + " WHERE " + col + "::text = ?")) {
        ps.setString(1, a);
        aRows = single(ps);
        ps.setString(1, b);
        bRows = single(ps);
      }
      // a real row as the template of the insert for B, so only isolation can reject it
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT to_jsonb(t) FROM " + q + " t LIMIT 1")) {
        probe = rs.next() ? rs.getString(1) : "{}";
      }
      String columns = insertableColumns(c, t.table());
      try (Statement st = c.createStatement()) {
        st.execute("SET LOCAL row_security = on");
        st.execute("SET LOCAL ROLE " + PgCatalog.quote(config.role()));
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT set_config(?, ?, true)")) {
        ps.setString(1, config.setting());
        ps.setString(2, a);
        ps.execute();
      }
      List<String> problems = new ArrayList<>();
      List<String> seen = new ArrayList<>();
      // select
      Long[] visible =
          attempt(
              c,
              "SELECT count(*) FILTER (WHERE "
                  + col
                  + "::text IS DISTINCT FROM ?), count(*) FROM "
                  + q,
              2,
              a);
      if (visible == null) {
        seen.add("no SELECT privilege");
      } else if (visible[0] > 0) {
        problems.add(
            "sees " + visible[0] + " rows of other accounts with " + config.setting() + "=" + a);
      } else if (visible[1] != aRows) {
        // no policy (or a broken one) lets the tenant in: the application is locked out
        problems.add(
            "sees "
                + visible[1]
                + " of account "
                + a
                + "'s "
                + aRows
                + " rows with "
                + config.setting()
                + "="
                + a
                + " (no policy lets the tenant read its own rows)");
      } else {
        seen.add("sees " + visible[1] + " rows, all of account " + a);
      }
      // update and delete of B's rows
      for (String verb : List.of("UPDATE", "DELETE")) {
        String sql =
            verb.equals("UPDATE")
                ? "UPDATE " + q + " SET " + col + " = " + col + " WHERE " + col + "::text = ?"
                : "DELETE FROM " + q + " WHERE " + col + "::text = ?";
        Long[] touched = attempt(c, sql, 0, b);
        if (touched != null && touched[0] > 0) {
          problems.add(verb.toLowerCase() + " touched " + touched[0] + " rows of account " + b);
        }
      }
      seen.add(
          "update/delete touched none of account "
              + b
              + "'s "
              + bRows
              + (bRows == 1 ? " row" : " rows"));
      // insert for B
      Savepoint ins = c.setSavepoint();
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO "
                  + q
                  + " ("
                  + columns
                  + ") OVERRIDING SYSTEM VALUE SELECT "
                  + columns
                  + " FROM jsonb_populate_record(NULL::"
                  + q
                  + ", ?::jsonb || jsonb_build_object(?::text, ?::text))")) {
        ps.setString(1, probe);
        ps.setString(2, column);
        ps.setString(3, b);
        ps.executeUpdate();
        problems.add("an insert for account " + b + " was accepted");
      } catch (SQLException e) {
        if (PERMISSION_DENIED.equals(e.getSQLState())) {
          seen.add("insert for " + b + " rejected");
        } else {
          problems.add(
              "an insert for account "
                  + b
                  + " was not rejected by row-level security (it failed later: "
                  + PgErrors.firstLine(e.getMessage())
                  + ")");
        }
      } finally {
        c.rollback(ins);
      }
      // without the setting
      try (Statement st = c.createStatement()) {
        st.execute("RESET " + config.setting());
      }
      try {
        Long[] unset = attempt(c, "SELECT count(*) FROM " + q, 1);
        if (unset != null && unset[0] > 0) {
          problems.add("sees " + unset[0] + " rows without " + config.setting());
        } else {
          seen.add("none without " + config.setting());
        }
      } catch (SQLException e) {
        // once set in a session the setting reads '' (not NULL) after RESET, and a policy that
        // casts it without nullif raises instead of matching nothing: closed all the same
        seen.add(
            "none without "
                + config.setting()
                + " (the policy raises an error then: "
                + PgErrors.firstLine(e.getMessage())
                + "; `lifeboat version` shows the nullif form that returns no rows instead)");
      }
      return problems.isEmpty()
          ? DrillCheck.passed(name, String.join("; ", seen))
          : DrillCheck.failed(name, String.join("; ", problems));
    } catch (SQLException e) {
      return DrillCheck.failed(name, "cannot probe: " + PgErrors.firstLine(e.getMessage()));
    } finally {
      c.rollback(sp);
    }
  }

  /**
   * Runs one statement in a savepoint: counts it returned (or updated), null when not permitted.
   */
  private static Long[] attempt(Connection c, String sql, int columns, String... params)
      throws SQLException {
    Savepoint sp = c.setSavepoint();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setString(i + 1, params[i]);
      }
      if (columns == 0) {
        return new Long[] {(long) ps.executeUpdate()};
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        Long[] out = new Long[columns];
        for (int i = 0; i < columns; i++) {
          out[i] = rs.getLong(i + 1);
        }
        return out;
      }
    } catch (SQLException e) {
      if (PERMISSION_DENIED.equals(e.getSQLState())) {
        return null;
      }
      throw e;
    } finally {
      c.rollback(sp);
    }
  }

  private static String insertableColumns(Connection c, Table t) throws SQLException {
    List<String> cols = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT attname FROM pg_attribute WHERE attrelid = ?::regclass AND attnum > 0"
                + " AND NOT attisdropped AND attgenerated = '' ORDER BY attnum")) {
      ps.setString(1, t.sql());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          cols.add(PgCatalog.quote(rs.getString(1)));
        }
      }
    }
    return String.join(", ", cols);
  }

  private static long single(PreparedStatement ps) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
