package dev.lifeboat.pg;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a database holds, read through a connection: exact row counts of user tables and their
 * row-level-security state. A backup records both; a restore and a drill compare against them.
 */
public final class PgCatalog {

  private PgCatalog() {}

  /** Row-level security of one table: enabled, forced, and how many policies it has. */
  public record RlsState(boolean enabled, boolean forced, int policies) {}

  /**
   * User tables that hold rows (no views, partitioned parents, temp or extension tables), sorted.
   */
  public static List<String[]> tables(Connection connection) throws SQLException {
    String sql =
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE c.relkind = 'r' AND c.relpersistence <> 't'"
            + " AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'"
            + " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass"
            + " AND d.objid = c.oid AND d.deptype = 'e')"
            + " ORDER BY 1, 2";
    List<String[]> tables = new ArrayList<>();
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        tables.add(new String[] {rs.getString(1), rs.getString(2)});
      }
    }
    return tables;
  }

  /** Exact row counts keyed {@code schema.table}, in the connection's current transaction. */
  public static Map<String, Long> rowCounts(Connection connection) throws SQLException {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (String[] t : tables(connection)) {
      String name = t[0] + "." + t[1];
      try (Statement st = connection.createStatement();
          ResultSet rs =
              st.executeQuery("SELECT count(*) FROM " + quote(t[0]) + "." + quote(t[1]))) {
        rs.next();
        counts.put(name, rs.getLong(1));
      } catch (SQLException e) {
        if ("42501".equals(e.getSQLState())) {
          throw new SQLException(
              "cannot read table "
                  + name
                  + ": "
                  + PgErrors.firstLine(e.getMessage())
                  + "; connect as a superuser or a role with BYPASSRLS and SELECT on every table",
              e.getSQLState(),
              e);
        }
        throw e;
      }
    }
    return counts;
  }

  /** RLS state of every table that has RLS enabled or any policy, keyed {@code schema.table}. */
  public static Map<String, RlsState> rlsState(Connection connection) throws SQLException {
    String sql =
        "SELECT n.nspname, c.relname, c.relrowsecurity, c.relforcerowsecurity,"
            + " (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)"
            + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
            + " AND (c.relrowsecurity OR EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid))"
            + " ORDER BY 1, 2";
    Map<String, RlsState> result = new LinkedHashMap<>();
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        result.put(
            rs.getString(1) + "." + rs.getString(2),
            new RlsState(rs.getBoolean(3), rs.getBoolean(4), rs.getInt(5)));
      }
    }
    return result;
  }

  /** Number of user tables, to tell an empty database from one in use. */
  public static int userTableCount(Connection connection) throws SQLException {
    return tables(connection).size();
  }

  public static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }
}
