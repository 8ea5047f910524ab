package dev.lifeboat.pg;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Database-level operations on a server, through a connection to its maintenance database: create,
 * drop, rename, and who is connected. Names are always quoted.
 */
public final class PgDatabases implements AutoCloseable {

  private final Connection connection;

  private PgDatabases(Connection connection) {
    this.connection = connection;
  }

  /** Connects to {@code postgres} (else {@code template1}) on the server of {@code any}. */
  public static PgDatabases connect(PgConnection any) throws SQLException {
    try {
      return new PgDatabases(any.withDatabase("postgres").open());
    } catch (SQLException first) {
      try {
        return new PgDatabases(any.withDatabase("template1").open());
      } catch (SQLException second) {
        first.addSuppressed(second);
        throw first;
      }
    }
  }

  public Connection connection() {
    return connection;
  }

  public boolean exists(String database) throws SQLException {
    try (PreparedStatement ps =
        connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      ps.setString(1, database);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** Databases whose name starts with {@code prefix}, with their comment (null when none). */
  public List<String[]> withPrefix(String prefix) throws SQLException {
    List<String[]> result = new ArrayList<>();
    try (PreparedStatement ps =
        connection.prepareStatement(
            "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database"
                + " WHERE left(datname, length(?)) = ? ORDER BY 1")) {
      ps.setString(1, prefix);
      ps.setString(2, prefix);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          result.add(new String[] {rs.getString(1), rs.getString(2)});
        }
      }
    }
    return result;
  }

  public Optional<String> owner(String database) throws SQLException {
    try (PreparedStatement ps =
        connection.prepareStatement(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = ?")) {
      ps.setString(1, database);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }

  public void create(String database) throws SQLException {
    execute("CREATE DATABASE " + PgCatalog.quote(database) + " TEMPLATE template0");
  }

  public void comment(String database, String comment) throws SQLException {
    execute(
        "COMMENT ON DATABASE "
            + PgCatalog.quote(database)
            + " IS '"
            + comment.replace("'", "''")
            + "'");
  }

  public void setOwner(String database, String owner) throws SQLException {
    execute("ALTER DATABASE " + PgCatalog.quote(database) + " OWNER TO " + PgCatalog.quote(owner));
  }

  /** Ends every other session on {@code database}, then drops it if it exists. */
  public void drop(String database) throws SQLException {
    disconnect(database);
    execute("DROP DATABASE IF EXISTS " + PgCatalog.quote(database));
  }

  public void rename(String from, String to) throws SQLException {
    disconnect(from);
    execute("ALTER DATABASE " + PgCatalog.quote(from) + " RENAME TO " + PgCatalog.quote(to));
  }

  /** Ends every session on {@code database} but ours. */
  public void disconnect(String database) throws SQLException {
    try (PreparedStatement ps =
        connection.prepareStatement(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid()")) {
      ps.setString(1, database);
      ps.executeQuery().close();
    }
  }

  /** Takes lock {@code object} of {@link AdvisoryLock} server-wide; false when someone holds it. */
  public boolean tryLock(int object) throws SQLException {
    return AdvisoryLock.tryLock(connection, object);
  }

  public int serverVersionNum() throws SQLException {
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery("SHOW server_version_num")) {
      rs.next();
      return Integer.parseInt(rs.getString(1));
    }
  }

  private void execute(String sql) throws SQLException {
    try (Statement st = connection.createStatement()) {
      st.execute(sql);
    }
  }

  @Override
  public void close() {
    try {
      connection.close();
    } catch (SQLException ignored) {
      // the session ends either way, and its advisory locks with it
    }
  }
}
