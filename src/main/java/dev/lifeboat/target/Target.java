package dev.lifeboat.target;

import dev.lifeboat.pg.PgConnection;
import java.util.List;

/** A validated target: the database to protect and the names of the stores its backups go to. */
public record Target(String name, PgConnection connection, List<String> stores, String drillUrl) {

  /**
   * The server drills and rehearsals run on: {@code drill-url} when set (as the target's user),
   * else the target's own server.
   */
  public PgConnection drillServer() {
    if (drillUrl == null || drillUrl.isBlank()) {
      return connection;
    }
    return PgConnection.fromJdbcUrl(drillUrl, connection.user(), connection.password());
  }

  /** Whether drills and rehearsals run on a server of their own ({@code drill-url}). */
  public boolean hasDrillServer() {
    return drillUrl != null && !drillUrl.isBlank();
  }
}
