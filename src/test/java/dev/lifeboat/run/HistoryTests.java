package dev.lifeboat.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDateTime;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;

class HistoryTests {

  private static JobExecution failed(ExitStatus exit) {
    JobExecution e =
        new JobExecution(
            7,
            new JobInstance(7, "backup"),
            new JobParametersBuilder()
                .addString("target", "app")
                .addString("id", "20261206T020000Z")
                .toJobParameters());
    e.setStartTime(LocalDateTime.now().minusSeconds(1));
    e.setEndTime(LocalDateTime.now());
    e.setStatus(BatchStatus.FAILED);
    e.setExitStatus(exit);
    return e;
  }

  @Test
  void aRunRefusedBecauseItsTargetWasBusyIsSkippedByItsExitCodeNotByStackTraceText() {
    History.Entry run =
        History.describe(
            failed(
                new ExitStatus(
                    History.SKIPPED_EXIT_CODE, "another backup of target 'app' is running")));

    assertThat(run.outcome()).isEqualTo("skipped");
    assertThat(run.error()).isEqualTo("another backup of target 'app' is running");
    assertThat(run.result()).isNull();
  }

  @Test
  void aRunRecordedBeforeTheExitCodeExistedIsStillSkipped() {
    History.Entry run =
        History.describe(
            failed(
                ExitStatus.FAILED.addExitDescription(
                    "dev.lifeboat.run.TargetBusyException: another backup of target 'app' is"
                        + " running\n\tat dev.lifeboat.backup.BackupDumper.dump(BackupDumper.java:1)")));

    assertThat(run.outcome()).isEqualTo("skipped");
    assertThat(run.error()).isEqualTo("another backup of target 'app' is running");
  }

  @Test
  void anyOtherFailureIsFailed() {
    History.Entry run =
        History.describe(failed(ExitStatus.FAILED.addExitDescription("pg_dump: error: boom")));

    assertThat(run.outcome()).isEqualTo("failed");
  }
}
