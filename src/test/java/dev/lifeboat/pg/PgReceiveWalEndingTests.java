package dev.lifeboat.pg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.pg.PgReceiveWal.Ending;
import org.junit.jupiter.api.Test;

/**
 * Stderr and exit codes of the real pg_receivewal 15.18 (--no-loop --verbose), captured on this
 * machine against a 1 MB-segment server, and the ending each one is.
 */
class PgReceiveWalEndingTests {

  private static final String STARTED =
      "pg_receivewal: starting log streaming at 0/600000 (timeline 1)\n";

  @Test
  void ourSigintIsACleanStopThatKeepsThePartial() {
    String stderr =
        STARTED
            + "pg_receivewal: received interrupt signal, exiting\n"
            + "pg_receivewal: not renaming \"000000010000000000000006.partial\", segment is not"
            + " complete\n"
            + "pg_receivewal: received interrupt signal, exiting\n";

    assertThat(Ending.of(0, stderr, true)).isEqualTo(Ending.STOPPED);
    assertThat(Ending.of(0, stderr, false))
        .as("someone else's SIGINT (a parent-death signal): not our stop")
        .isEqualTo(Ending.UNEXPECTED_END);
  }

  @Test
  void aSignalBeforeItsHandlerOrSigtermIsAKillUnlessWeAskedForTheStop() {
    // SIGINT before the connection is made (no handler yet): exit 130, no line
    assertThat(Ending.of(130, "", false)).isEqualTo(Ending.KILLED);
    assertThat(Ending.of(130, "", true)).isEqualTo(Ending.STOPPED);
    // pg_receivewal 15 has no SIGTERM handler: it dies without a word, exit 143
    assertThat(Ending.of(143, STARTED, false)).isEqualTo(Ending.KILLED);
    assertThat(Ending.of(137, STARTED, false)).isEqualTo(Ending.KILLED);
  }

  @Test
  void walTheServerNoLongerHasIsWalRemoved() {
    String stderr =
        "pg_receivewal: starting log streaming at 0/100000 (timeline 1)\n"
            + "pg_receivewal: error: unexpected termination of replication stream: ERROR: "
            + " requested WAL segment 000000010000000000000001 has already been removed\n"
            + "pg_receivewal: error: disconnected\n";

    assertThat(Ending.of(1, stderr, false)).isEqualTo(Ending.WAL_REMOVED);
  }

  @Test
  void refusedAuthenticationOrAuthorisationIsNotAllowed() {
    String prefix =
        "pg_receivewal: error: connection to server at \"127.0.0.1\", port 54987 failed: ";
    assertThat(
            Ending.of(
                1,
                prefix
                    + "FATAL:  password authentication failed for user \"walrole\"\n"
                    + "password retrieved from file \"/tmp/pgpass-1-2/pgpass\"\n",
                false))
        .isEqualTo(Ending.NOT_ALLOWED);
    assertThat(Ending.of(1, prefix + "fe_sendauth: no password supplied\n", false))
        .isEqualTo(Ending.NOT_ALLOWED);
    assertThat(
            Ending.of(
                1,
                prefix + "FATAL:  must be superuser or replication role to start walsender\n",
                false))
        .isEqualTo(Ending.NOT_ALLOWED);
    assertThat(
            Ending.of(
                1,
                prefix
                    + "FATAL:  pg_hba.conf rejects replication connection for host"
                    + " \"127.0.0.1\", user \"norepl_hba\", no encryption\n",
                false))
        .isEqualTo(Ending.NOT_ALLOWED);
    // from the PostgreSQL 15 sources (auth.c), not captured here
    assertThat(
            Ending.of(
                1,
                prefix
                    + "FATAL:  no pg_hba.conf entry for replication connection from host"
                    + " \"10.0.0.9\", user \"app\", no encryption\n",
                false))
        .isEqualTo(Ending.NOT_ALLOWED);
  }

  @Test
  void aServerThatIsDownGoesAwayOrEndsTheWalsenderIsDisconnected() {
    assertThat(
            Ending.of(
                1,
                "pg_receivewal: error: connection to server at \"127.0.0.1\", port 1 failed:"
                    + " Connection refused\n"
                    + "\tIs the server running on that host and accepting TCP/IP connections?\n",
                false))
        .isEqualTo(Ending.DISCONNECTED);
    // pg_terminate_backend of its walsender
    assertThat(
            Ending.of(
                1,
                STARTED
                    + "pg_receivewal: not renaming \"00000001000000000000000B.partial\", segment is"
                    + " not complete\n"
                    + "pg_receivewal: error: unexpected termination of replication stream: FATAL: "
                    + " terminating connection due to administrator command\n"
                    + "pg_receivewal: error: disconnected\n",
                false))
        .isEqualTo(Ending.DISCONNECTED);
    // pg_ctl stop -m fast
    assertThat(
            Ending.of(
                1,
                STARTED
                    + "pg_receivewal: not renaming \"000000010000000000000006.partial\", segment is"
                    + " not complete\n"
                    + "pg_receivewal: error: replication stream was terminated before stop point\n"
                    + "pg_receivewal: error: disconnected\n",
                false))
        .isEqualTo(Ending.DISCONNECTED);
    // pg_ctl stop -m immediate
    assertThat(
            Ending.of(
                1,
                STARTED
                    + "pg_receivewal: error: could not receive data from WAL stream: server closed"
                    + " the connection unexpectedly\n"
                    + "\tThis probably means the server terminated abnormally\n"
                    + "\tbefore or while processing the request.\n"
                    + "pg_receivewal: error: disconnected\n",
                false))
        .isEqualTo(Ending.DISCONNECTED);
  }

  @Test
  void aBadFileInItsDirectoryIsAFailureNotADisconnection() {
    String stderr =
        STARTED
            + "pg_receivewal: error: write-ahead log file \"000000010000000000000006.partial\" has"
            + " 100 bytes, should be 0 or 1048576\n"
            + "pg_receivewal: error: disconnected\n";

    assertThat(Ending.of(1, stderr, false)).isEqualTo(Ending.FAILED);
  }

  @Test
  void anExitZeroNobodyAskedForAndAnIncompatibleServerHaveTheirOwnEndings() {
    assertThat(Ending.of(0, STARTED, false)).isEqualTo(Ending.UNEXPECTED_END);
    assertThat(
            Ending.of(
                1,
                "pg_receivewal: error: incompatible server version 9.2; client does not support"
                    + " streaming from server versions older than 9.3\n",
                false))
        .isEqualTo(Ending.INCOMPATIBLE);
    assertThat(Ending.of(1, null, false)).isEqualTo(Ending.FAILED);
  }
}
