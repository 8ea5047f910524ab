package dev.lifeboat.base;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;

/**
 * Plain JDBC for Lifeboat's own small tables (the control database's, a data migration's progress):
 * one statement with its values bound in order, one transaction.
 */
public final class Jdbc {

  private Jdbc() {}

  /** What {@link #inTransaction} runs. */
  @FunctionalInterface
  public interface Work {
    void run() throws SQLException;
  }

  /** A statement and its values, bound in order. */
  public record Bound(String sql, Object... values) {}

  /** What reads one row of a query's answer. */
  @FunctionalInterface
  public interface Row<T> {
    T read(ResultSet rs) throws SQLException;
  }

  /**
   * Every row the query {@code sql} answers, {@code values} bound in order, each read by {@code
   * row}.
   */
  public static <T> List<T> list(Connection c, String sql, Row<T> row, Object... values)
      throws SQLException {
    List<T> rows = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, values);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(row.read(rs));
        }
      }
    }
    return rows;
  }

  /** Runs {@code sql} with {@code values} bound in order; the number of rows it changed. */
  public static int update(Connection c, String sql, Object... values) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, values);
      return ps.executeUpdate();
    }
  }

  /**
   * Writes or refreshes one row, in one transaction on {@code c}: {@code update}, and when it
   * changed no row {@code insert} (the same SQL on H2 and PostgreSQL, which spell an upsert
   * differently).
   */
  public static void updateElseInsert(Connection c, Bound update, Bound insert)
      throws SQLException {
    inTransaction(
        c,
        () -> {
          if (update(c, update.sql(), update.values()) == 0) {
            update(c, insert.sql(), insert.values());
          }
        });
  }

  /**
   * The database's own clock: rows that nodes stamp with {@code CURRENT_TIMESTAMP} are aged by it,
   * so nodes whose clocks differ agree on which row is fresh.
   */
  public static Timestamp now(Connection c) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT CURRENT_TIMESTAMP")) {
      rs.next();
      return rs.getTimestamp(1);
    }
  }

  /** Whether the query {@code sql}, with {@code values} bound in order, answers a row. */
  public static boolean exists(Connection c, String sql, Object... values) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, values);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /**
   * {@code work} as one transaction on {@code c}: committed, or rolled back and its failure
   * rethrown, whatever it was (restoring auto-commit would commit a transaction left open); {@code
   * c}'s auto-commit is left as it was.
   */
  public static void inTransaction(Connection c, Work work) throws SQLException {
    boolean auto = c.getAutoCommit();
    c.setAutoCommit(false);
    try {
      work.run();
      c.commit();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(auto);
    }
  }

  private static void bind(PreparedStatement ps, Object... values) throws SQLException {
    for (int i = 0; i < values.length; i++) {
      ps.setObject(i + 1, values[i]);
    }
  }
}
