package dev.lifeboat.run;

import dev.lifeboat.config.ConfigException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * Creates and upgrades the control database's schema (Spring Batch's job repository, Quartz's job
 * store) with Flyway, from {@code db/control/<vendor>/V*.sql}, with its own history table so the
 * control database may be shared with other schemas.
 */
final class ControlSchema {

  /** The newest migration; {@link ControlSchemaTests} keeps it equal to the last file. */
  static final String LATEST = "6";

  static final String HISTORY = "lifeboat_schema_history";

  private ControlSchema() {}

  /**
   * Brings the schema to {@link #LATEST}. A database already there costs one query; Flyway is
   * started only when something is missing. Failures name what could not be done.
   */
  static void migrate(DataSource dataSource, boolean embedded, String key) {
    try {
      if (upToDate(dataSource)) {
        return;
      }
      // a control database from before the schema had a history: Spring Batch made its tables
      String baseline = hasTable(dataSource, "BATCH_JOB_INSTANCE") ? "1" : "0";
      Flyway.configure(ControlSchema.class.getClassLoader())
          .dataSource(dataSource)
          .locations("classpath:db/control/" + (embedded ? "h2" : "postgresql"))
          .table(HISTORY)
          .baselineOnMigrate(true)
          .baselineVersion(baseline)
          .baselineDescription("tables made before " + HISTORY)
          .loggers("slf4j")
          .load()
          .migrate();
    } catch (FlywayException | SQLException e) {
      throw new ConfigException(
          key,
          "cannot create or upgrade the control database's schema: "
              + reason(e)
              + "; the role needs CREATE on it; nothing was run");
    }
  }

  /** The database's own words (Flyway wraps them in a line about its script). */
  private static String reason(Exception e) {
    String reason = e.getMessage();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException && t.getMessage() != null) {
        reason = t.getMessage();
      }
    }
    return dev.lifeboat.pg.PgErrors.firstLine(reason);
  }

  static boolean upToDate(DataSource dataSource) throws SQLException {
    String history = tableName(dataSource, HISTORY);
    if (history == null) {
      return false;
    }
    try (Connection c = dataSource.getConnection();
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FROM \""
                    + history
                    + "\" WHERE \"version\" = '"
                    + LATEST
                    + "' AND \"success\"")) {
      return rs.next() && rs.getInt(1) > 0;
    }
  }

  private static boolean hasTable(DataSource dataSource, String table) throws SQLException {
    return tableName(dataSource, table) != null;
  }

  /** The table's name as the database stores it (case differs between H2 and PostgreSQL). */
  private static String tableName(DataSource dataSource, String table) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      var meta = c.getMetaData();
      for (String name : new String[] {table, table.toLowerCase(), table.toUpperCase()}) {
        try (ResultSet rs = meta.getTables(null, null, name, new String[] {"TABLE"})) {
          if (rs.next()) {
            return rs.getString("TABLE_NAME");
          }
        }
      }
      return null;
    }
  }
}
