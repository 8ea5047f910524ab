package dev.lifeboat.base;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class JdbcTests {

  private static Connection open() throws SQLException {
    return DriverManager.getConnection("jdbc:h2:mem:" + UUID.randomUUID());
  }

  @Test
  void aTransactionThatEndsWellIsCommitted() throws SQLException {
    try (Connection c = open()) {
      Jdbc.update(c, "CREATE TABLE t (v INT)");
      Jdbc.inTransaction(c, () -> Jdbc.update(c, "INSERT INTO t VALUES (?)", 1));
      assertThat(c.getAutoCommit()).isTrue();
      assertThat(Jdbc.exists(c, "SELECT 1 FROM t WHERE v = ?", 1)).isTrue();
    }
  }

  @Test
  void aTransactionThatFailsInAnyWayLeavesNothingBehind() throws SQLException {
    try (Connection c = open()) {
      Jdbc.update(c, "CREATE TABLE t (v INT)");
      assertThatThrownBy(
              () ->
                  Jdbc.inTransaction(
                      c,
                      () -> {
                        Jdbc.update(c, "INSERT INTO t VALUES (?)", 1);
                        throw new SQLException("refused");
                      }))
          .hasMessage("refused");
      // not a SQLException: restoring auto-commit alone would commit the insert
      assertThatThrownBy(
              () ->
                  Jdbc.inTransaction(
                      c,
                      () -> {
                        Jdbc.update(c, "INSERT INTO t VALUES (?)", 2);
                        throw new IllegalStateException("a bug");
                      }))
          .hasMessage("a bug");
      assertThat(c.getAutoCommit()).isTrue();
      assertThat(Jdbc.exists(c, "SELECT 1 FROM t")).isFalse();
    }
  }

  @Test
  void updateElseInsertWritesARowOnceAndRefreshesItAfter() throws SQLException {
    try (Connection c = open()) {
      Jdbc.update(c, "CREATE TABLE t (k VARCHAR(10) PRIMARY KEY, v INT)");
      for (int v : new int[] {1, 2}) {
        Jdbc.updateElseInsert(
            c,
            new Jdbc.Bound("UPDATE t SET v = ? WHERE k = ?", v, "a"),
            new Jdbc.Bound("INSERT INTO t (k, v) VALUES (?, ?)", "a", v));
      }
      assertThat(Jdbc.list(c, "SELECT k, v FROM t", rs -> rs.getString(1) + "=" + rs.getInt(2)))
          .containsExactly("a=2");
      assertThat(c.getAutoCommit()).isTrue();
    }
  }

  @Test
  void nowIsTheDatabasesClock() throws SQLException {
    try (Connection c = open()) {
      Jdbc.update(c, "CREATE TABLE t (at TIMESTAMP)");
      Jdbc.update(c, "INSERT INTO t VALUES (TIMESTAMP '2000-01-01 00:00:00')");
      assertThat(Jdbc.now(c))
          .isAfter(Jdbc.list(c, "SELECT at FROM t", rs -> rs.getTimestamp(1)).get(0));
    }
  }
}
