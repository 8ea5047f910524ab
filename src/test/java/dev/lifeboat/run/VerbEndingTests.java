package dev.lifeboat.run;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;

class VerbEndingTests {

  /** A backup verb that only answers how an unfinished run ended. */
  private static final class Backups extends Verb<BackupRequest, BackupResult> {
    Backups() {
      super(VerbName.BACKUP, BackupRequest.class, BackupResult.class, null);
    }

    @Override
    public BackupResult unfinished(BackupRequest request, JobExecution execution) {
      Ending ending = ending(execution, Throwable::getMessage);
      return new BackupResult(
          "x", "app", null, BackupResult.Status.of(ending.outcome()), null, null, ending.error());
    }
  }

  private static JobExecution ended(BatchStatus status, Throwable... failures) {
    JobExecution e =
        new JobExecution(
            7,
            new JobInstance(7, "backup"),
            new JobParametersBuilder().addString("target", "app").toJobParameters());
    e.setStatus(status);
    for (Throwable t : failures) {
      e.addFailureException(t);
    }
    return e;
  }

  @Test
  void aStoppedRunSaysNothingOfItIsListedWhateverItsFailures() {
    BackupResult r =
        new Backups().unfinished(null, ended(BatchStatus.STOPPED, new IllegalStateException("x")));
    assertThat(r.status()).isEqualTo(BackupResult.Status.STOPPED);
    assertThat(r.error()).isEqualTo("stopped on request; nothing of it is listed");
  }

  @Test
  void aRunRefusedByTheTargetsLockIsSkippedWithTheRefusal() {
    BackupResult r =
        new Backups()
            .unfinished(
                null,
                ended(
                    BatchStatus.FAILED,
                    new TargetBusyException("another backup of target 'app' is running")));
    assertThat(r.status()).isEqualTo(BackupResult.Status.SKIPPED);
    assertThat(r.error()).isEqualTo("another backup of target 'app' is running");
  }

  @Test
  void aFailedRunShowsItsFailureElseHowTheVerbsJobEnded() {
    BackupResult failed =
        new Backups()
            .unfinished(null, ended(BatchStatus.FAILED, new IllegalStateException("disk full")));
    assertThat(failed.status()).isEqualTo(BackupResult.Status.FAILED);
    assertThat(failed.error()).isEqualTo("disk full");

    BackupResult silent = new Backups().unfinished(null, ended(BatchStatus.FAILED));
    assertThat(silent.error()).isEqualTo("the backup job ended FAILED");
  }

  @Test
  void everyOutcomeOfABackupHasItsStatus() {
    for (BackupResult.Status s : BackupResult.Status.values()) {
      Outcome outcome = new BackupResult("x", "app", null, s, null, null, null).outcome();
      assertThat(BackupResult.Status.of(outcome)).isEqualTo(s);
    }
  }
}
