package dev.lifeboat.pg;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a database holds, read through a connection: exact row counts of user tables and their
 * row-level-security state. A backup records both; a restore and a drill compare against them.
 */
public final class PgCatalog {

  private PgCatalog() {}

  /** Row-level security of one table: enabled, forced, and how many policies it has. */
  public record RlsState(boolean enabled, boolean forced, int policies) {}

  /**
   * A table's schema and name, and its key in manifests: {@code schema.table} with each part in
   * {@code quote_ident} form, so {@code a."b.c"} and {@code "a.b".c} stay two keys while plain
   * lowercase names ({@code public.accounts}) read as they always did.
   */
  public record Table(String schema, String name) {

    private static final Pattern PLAIN = Pattern.compile("[a-z_][a-z0-9_]*");

    /** The manifest key: unambiguous, and unchanged for plain lowercase names. */
    public String key() {
      return part(schema) + "." + part(name);
    }

    /** The fully quoted SQL name, safe for any identifier (keywords included). */
    public String sql() {
      return quote(schema) + "." + quote(name);
    }

    @Override
    public String toString() {
      return key();
    }

    private static String part(String identifier) {
      return PLAIN.matcher(identifier).matches() ? identifier : quote(identifier);
    }

    /**
     * Reads a manifest key back. Keys written before quoting ({@code Public.My Table}) are read as
     * {@code schema.table} split at the first dot, as they were meant.
     */
    public static Table parseKey(String key) {
      int[] at = {0};
      String schema = readPart(key, at);
      if (schema != null && at[0] < key.length() && key.charAt(at[0]) == '.') {
        at[0]++;
        String name = readPart(key, at);
        if (name != null && at[0] == key.length()) {
          return new Table(schema, name);
        }
      }
      int dot = key.indexOf('.');
      if (dot < 0) {
        throw new IllegalArgumentException("table key '" + key + "' is not schema.table");
      }
      return new Table(key.substring(0, dot), key.substring(dot + 1));
    }

    /** The key of a table as a current manifest writes it, from a key of any manifest. */
    public static String normalizeKey(String key) {
      return parseKey(key).key();
    }

    /** One quoted or plain part starting at {@code at[0]}; null when it is neither. */
    private static String readPart(String key, int[] at) {
      int i = at[0];
      if (i < key.length() && key.charAt(i) == '"') {
        StringBuilder sb = new StringBuilder();
        for (i++; i < key.length(); i++) {
          char c = key.charAt(i);
          if (c == '"') {
            if (i + 1 < key.length() && key.charAt(i + 1) == '"') {
              sb.append('"');
              i++;
            } else {
              at[0] = i + 1;
              return sb.isEmpty() ? null : sb.toString();
            }
          } else {
            sb.append(c);
          }
        }
        return null;
      }
      int end = key.indexOf('.', i);
      String part = key.substring(i, end < 0 ? key.length() : end);
      if (!PLAIN.matcher(part).matches()) {
        return null;
      }
      at[0] = i + part.length();
      return part;
    }
  }

  /**
   * User tables that hold rows (no views, partitioned parents, temp or extension tables), sorted.
   */
  public static List<Table> tables(Connection connection) throws SQLException {
    String sql =
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE c.relkind = 'r' AND c.relpersistence <> 't'"
            + " AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'"
            + " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass"
            + " AND d.objid = c.oid AND d.deptype = 'e')"
            + " ORDER BY 1, 2";
    List<Table> tables = new ArrayList<>();
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        tables.add(new Table(rs.getString(1), rs.getString(2)));
      }
    }
    return tables;
  }

  /** Exact row counts keyed {@link Table#key()}, in the connection's current transaction. */
  public static Map<String, Long> rowCounts(Connection connection) throws SQLException {
    return rowCounts(connection, tables(connection));
  }

  /** Exact row counts of {@code tables}, keyed {@link Table#key()}, in the current transaction. */
  public static Map<String, Long> rowCounts(Connection connection, List<Table> tables)
      throws SQLException {
    Map<String, Long> counts = new LinkedHashMap<>();
    for (Table t : tables) {
      String name = t.key();
      try (Statement st = connection.createStatement();
          ResultSet rs = st.executeQuery("SELECT count(*) FROM " + t.sql())) {
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

  /** RLS state of every table that has RLS enabled or any policy, keyed {@link Table#key()}. */
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
            new Table(rs.getString(1), rs.getString(2)).key(),
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
