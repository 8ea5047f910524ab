package dev.lifeboat.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SystemProcessRunnerIntegrationTests {

  private final ProcessRunner runner = ProcessRunner.system();

  @Test
  void streamsStdoutAndKeepsOnlyTheTailOfALongStderr() throws Exception {
    String script =
        "i=0; while [ $i -lt 3000 ]; do echo \"noise line $i with some padding padding\" >&2;"
            + " i=$((i+1)); done; echo 'last: it broke' >&2; printf 'PGDMP'; exit 1";
    try (ProcessRunner.RunningProcess p =
        runner.start(List.of("sh", "-c", script), Map.of(), null)) {
      assertThat(new String(p.stdout().readAllBytes())).isEqualTo("PGDMP");
      assertThat(p.waitFor()).isEqualTo(1);
      assertThat(p.stderrTail().length()).isLessThanOrEqualTo(ProcessRunner.STDERR_TAIL_BYTES);
      assertThat(p.stderrTail()).endsWith("last: it broke\n").doesNotContain("line 0 ");
    }
  }

  @Test
  void addsAndRemovesEnvironmentVariables() {
    Map<String, String> env = new HashMap<>();
    env.put("LIFEBOAT_X", "yes");
    env.put("HOME", null);
    ProcessRunner.Result r =
        runner.run(
            List.of("sh", "-c", "echo \"$LIFEBOAT_X:${HOME-unset}\""),
            env,
            null,
            Duration.ofSeconds(10));
    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout()).isEqualTo("yes:unset\n");
  }

  @Test
  void destroysAProgramThatOutlivesItsTimeLimit() {
    assertThatThrownBy(
            () -> runner.run(List.of("sleep", "30"), Map.of(), null, Duration.ofMillis(300)))
        .isInstanceOf(PgToolException.class)
        .satisfies(
            e ->
                assertThat(((PgToolException) e).toolExitCode())
                    .isEqualTo(PgToolException.TIMED_OUT));
  }

  @Test
  void reportsAProgramThatCannotBeStarted() {
    assertThatThrownBy(() -> runner.start(List.of("/nonexistent/pg_dump"), Map.of(), null))
        .isInstanceOf(PgToolException.class)
        .hasMessageStartingWith("pg_dump could not be run: cannot start /nonexistent/pg_dump");
  }
}
