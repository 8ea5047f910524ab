package dev.lifeboat.pg;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Database-level operations on a server, through a connection to its maintenance database: create,
 * drop, rename, and who is connected. Names are always quoted. Lifeboat drops only what it created:
 * {@link #createMarked} marks a database with a {@link DatabaseMark}, and {@link #dropIfMarked} is
 * the only way to drop one.
 */
public final class PgDatabases implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PgDatabases.class);

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

  /** The maintenance database this session is connected to. */
  public String maintenanceDatabase() throws SQLException {
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery("SELECT current_database()")) {
      rs.next();
      return rs.getString(1);
    }
  }

  /**
   * A database as the catalog has it now: its oid, its comment (null when none), template or not.
   */
  public record Found(long oid, String comment, boolean template) {}

  public Optional<Found> find(String database) throws SQLException {
    try (PreparedStatement ps =
        connection.prepareStatement(
            "SELECT oid, shobj_description(oid, 'pg_database'), datistemplate FROM pg_database"
                + " WHERE datname = ?")) {
      ps.setString(1, database);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next()
            ? Optional.of(new Found(rs.getLong(1), rs.getString(2), rs.getBoolean(3)))
            : Optional.empty();
      }
    }
  }

  /** Whether {@code database} exists and carries Lifeboat's mark of {@code kind} under its name. */
  public boolean isMarked(String database, String kind) throws SQLException {
    return find(database).filter(f -> DatabaseMark.marks(f.comment(), database, kind)).isPresent();
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

  /** A database and its comment (null when none). */
  public record Named(String name, String comment) {}

  /** Databases whose name starts with {@code prefix}, with their comment. */
  public List<Named> withPrefix(String prefix) throws SQLException {
    List<Named> result = new ArrayList<>();
    try (PreparedStatement ps =
        connection.prepareStatement(
            "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database"
                + " WHERE left(datname, length(?)) = ? ORDER BY 1")) {
      ps.setString(1, prefix);
      ps.setString(2, prefix);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          result.add(new Named(rs.getString(1), rs.getString(2)));
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

  /**
   * Creates {@code database} and marks it as Lifeboat's {@code kind} of run {@code run}. A crash
   * between the two statements leaves it unmarked: later runs refuse the name instead of dropping
   * it.
   */
  public void createMarked(String database, String kind, String run) throws SQLException {
    execute("CREATE DATABASE " + PgCatalog.quote(database) + " TEMPLATE template0");
    mark(database, kind, run);
  }

  /** Marks {@code database}, under its current name, as Lifeboat's {@code kind} of {@code run}. */
  public void mark(String database, String kind, String run) throws SQLException {
    comment(database, new DatabaseMark(kind, run, database).text());
  }

  /** Sets the comment of {@code database}; null removes it. */
  public void comment(String database, String comment) throws SQLException {
    execute(
        "COMMENT ON DATABASE "
            + PgCatalog.quote(database)
            + " IS "
            + (comment == null ? "NULL" : "'" + comment.replace("'", "''") + "'"));
  }

  public void setOwner(String database, String owner) throws SQLException {
    execute("ALTER DATABASE " + PgCatalog.quote(database) + " OWNER TO " + PgCatalog.quote(owner));
  }

  /** What {@link #dropIfMarked} did. */
  public enum Drop {
    /** There was no such database. */
    ABSENT,
    /** It carried the mark and is gone. */
    DROPPED,
    /** It exists without the mark and was left alone. */
    NOT_MARKED
  }

  /**
   * Drops {@code database} only when it carries Lifeboat's mark of one of {@code kinds} under its
   * current name; ends its other sessions first. The mark is read again right before the DROP, on
   * this same session, so a database renamed into the name meanwhile is not dropped.
   */
  public Drop dropIfMarked(String database, String... kinds) throws SQLException {
    Optional<Found> before = find(database);
    if (before.isEmpty()) {
      return Drop.ABSENT;
    }
    if (!markedAs(before.get(), database, kinds)) {
      return Drop.NOT_MARKED;
    }
    disconnect(database);
    Optional<Found> now = find(database);
    if (now.isEmpty()) {
      return Drop.ABSENT;
    }
    if (now.get().oid() != before.get().oid() || !markedAs(now.get(), database, kinds)) {
      return Drop.NOT_MARKED;
    }
    execute("DROP DATABASE " + PgCatalog.quote(database));
    return Drop.DROPPED;
  }

  private static boolean markedAs(Found found, String database, String... kinds) {
    for (String kind : kinds) {
      if (DatabaseMark.marks(found.comment(), database, kind)) {
        return true;
      }
    }
    return false;
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
    } catch (SQLException e) {
      // the session ends either way, and its advisory locks with it
      LOG.debug("could not close the session: {}", e.getMessage());
    }
  }
}
