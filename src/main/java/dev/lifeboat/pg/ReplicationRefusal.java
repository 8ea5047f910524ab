package dev.lifeboat.pg;

import dev.lifeboat.pg.ReplicationConnection.ReplicationException;
import java.sql.SQLException;

/**
 * A server's refusal of a replication connection or command as one sentence: the target, where and
 * as whom (never the password), the server's own words, and what to do.
 */
final class ReplicationRefusal {

  private static final String INSUFFICIENT_PRIVILEGE = "42501";
  private static final String INVALID_AUTHORIZATION = "28000";
  private static final String CONNECTION_EXCEPTION_CLASS = "08";

  private ReplicationRefusal() {}

  static ReplicationException of(
      SQLException e, String action, PgConnection server, String target) {
    String words = PgErrors.rootCause(e).replaceFirst("^(ERROR|FATAL): ", "");
    return new ReplicationException(
        "target "
            + target
            + ": cannot "
            + action
            + " on "
            + server.host()
            + ":"
            + server.port()
            + " as "
            + server.user()
            + ": "
            + words
            + hint(e.getSQLState(), words),
        e);
  }

  static String hint(String sqlState, String words) {
    if (INSUFFICIENT_PRIVILEGE.equals(sqlState) || words.contains("replication role")) {
      return "; give the role LOGIN REPLICATION (ALTER ROLE <role> REPLICATION)";
    }
    if (INVALID_AUTHORIZATION.equals(sqlState) || words.contains("pg_hba.conf")) {
      return "; add a pg_hba.conf line for database 'replication' and this user, then reload";
    }
    if (sqlState != null && sqlState.startsWith(CONNECTION_EXCEPTION_CLASS)) {
      return "; check that the server runs and accepts connections on that host and port";
    }
    return "";
  }
}
