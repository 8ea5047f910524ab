package dev.lifeboat.run;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * The process that hosts the embedded control file (H2's AUTO_SERVER) closes it only after the
 * other Lifeboat processes connected through it have left, for at most {@link #LIMIT}.
 *
 * <p>When the host closes the file, a statement another process has under way through it fails
 * ("connection is broken: session closed"); H2 reconnects such a process only between transactions.
 * Four commands started at the same instant on a loaded machine showed it: the first to end took
 * the file away from a {@code history} in the middle of its query, which then failed. Spring
 * destroys this bean before the data source it depends on, so the wait comes before the pool
 * closes.
 */
final class EmbeddedHandover implements AutoCloseable {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger("lifeboat.control");

  /**
   * Long enough for a command that started beside this one to finish; short enough that a {@code
   * serve} asked to stop while a long typed backup runs through it still stops in time (that
   * backup's next transaction reconnects, and it or another process hosts the file from then on).
   */
  static final Duration LIMIT = Duration.ofSeconds(10);

  private final DataSource dataSource;
  private final boolean embedded;
  private final Duration limit;

  EmbeddedHandover(DataSource dataSource, boolean embedded, Duration limit) {
    this.dataSource = dataSource;
    this.embedded = embedded;
    this.limit = limit;
  }

  /** Waits while this process hosts the file and another process is connected through it. */
  @Override
  public void close() {
    if (!embedded) {
      return;
    }
    long deadline = System.nanoTime() + limit.toNanos();
    boolean said = false;
    try (Connection c = dataSource.getConnection();
        Statement st = c.createStatement()) {
      if (!hosting(st)) {
        return;
      }
      for (int others; (others = others(st)) > 0; ) {
        if (System.nanoTime() > deadline) {
          log.info(
              "closing the embedded control database while {} other Lifeboat process(es) still"
                  + " use it: they reconnect and one of them hosts it from now on",
              others);
          return;
        }
        if (!said) {
          log.debug(
              "waiting for {} other Lifeboat process(es) to leave the control database", others);
          said = true;
        }
        Thread.sleep(100);
      }
    } catch (SQLException | RuntimeException e) {
      // closing anyway: the others reconnect as they would after a kill
      log.debug("could not see who else uses the embedded control database: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** True when this process's own session is local, not one through another process's server. */
  static boolean hosting(Statement st) throws SQLException {
    try (ResultSet rs =
        st.executeQuery(
            "SELECT CLIENT_ADDR IS NULL FROM INFORMATION_SCHEMA.SESSIONS"
                + " WHERE SESSION_ID = SESSION_ID()")) {
      return rs.next() && rs.getBoolean(1);
    }
  }

  /** Sessions of other processes, which reach the file through this process's server. */
  static int others(Statement st) throws SQLException {
    try (ResultSet rs =
        st.executeQuery(
            "SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS WHERE CLIENT_ADDR IS NOT NULL")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
