package dev.lifeboat.pg;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PgToolExceptionTests {

  @Test
  void saysWhichToolFailedHowAndItsLastErrorLine() {
    String stderr =
        "pg_dump: error: connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  password"
            + " authentication failed for user \"backup\"\n";
    PgToolException e = new PgToolException("pg_dump", 1, stderr);
    assertThat(e.getMessage())
        .isEqualTo(
            "pg_dump failed (exit 1): connection to server at \"127.0.0.1\", port 5432 failed:"
                + " FATAL: password authentication failed for user \"backup\"");
    assertThat(e.toolExitCode()).isEqualTo(1);
    assertThat(e.stderrTail()).isEqualTo(stderr);
  }

  @Test
  void prefersTheErrorLineOverTrailingDetailAndHintLines() {
    String stderr =
        "pg_dump: warning: something harmless\n"
            + "pg_dump: error: query failed: ERROR:  permission denied for table secrets\n"
            + "pg_dump: detail: Query was: LOCK TABLE public.secrets IN ACCESS SHARE MODE\n\n";
    assertThat(new PgToolException("pg_dump", 1, stderr).getMessage())
        .isEqualTo(
            "pg_dump failed (exit 1): query failed: ERROR: permission denied for table secrets");
  }

  @Test
  void mapsSignalsPsqlCodesAndEmptyStderr() {
    assertThat(new PgToolException("pg_dump", 143, "").getMessage())
        .isEqualTo("pg_dump was killed by signal 15 (exit 143)");
    assertThat(new PgToolException("psql", 3, "psql:f.sql:3: ERROR:  syntax error").getMessage())
        .isEqualTo("psql failed in its script (exit 3): psql:f.sql:3: ERROR: syntax error");
    assertThat(new PgToolException("psql", 2, "").getMessage())
        .startsWith("psql lost or could not open its connection (exit 2)");
    assertThat(new PgToolException("initdb", PgToolException.TIMED_OUT, "slow").getMessage())
        .isEqualTo("initdb timed out: slow");
  }

  @Test
  void prefersTheServersErrorOverAParallelRestoresWorkerDeathLine() {
    String stderr =
        String.join(
            "\n",
            "pg_restore: error: could not execute query: ERROR:  role \"app_tenant\" does not exist",
            "Command was: CREATE POLICY tenant_isolation ON public.users TO app_tenant;",
            "pg_restore: error: a worker process died unexpectedly");
    assertThat(new PgToolException("pg_restore", 1, stderr).getMessage())
        .isEqualTo(
            "pg_restore failed (exit 1): could not execute query: ERROR: role \"app_tenant\" does not exist");
  }
}
