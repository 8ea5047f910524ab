package dev.lifeboat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.run.History;
import dev.lifeboat.run.Trigger;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;

/**
 * The job repository keeps every run as today's code records it: string parameters and the result's
 * JSON in the execution context ({@code result} for backup and migrate, {@code report} for drill,
 * prune and verify, nothing for a data migration). Runs recorded now must read the same in {@code
 * history} after the redesign (issue 20) replaces how they are written, so each shape is pinned
 * here as {@link History#describe} reads it today, with the contexts taken from the golden files of
 * {@link ResultJsonTests}.
 */
class LegacyRecordsTests {

  private static final Instant T0 = ResultJsonTests.T0;
  private static final String ID = "20261207T030000Z";

  private static JobExecution run(
      String job, BatchStatus status, ExitStatus exit, String contextKey, String golden)
      throws IOException {
    JobParametersBuilder p =
        new JobParametersBuilder()
            .addString("target", "app")
            .addString("startedAt", T0.toString())
            .addString(Trigger.PARAMETER, "schedule", false)
            .addString(Trigger.NODE, "node-a", false);
    if (job.equals("backup")) {
      p.addString("id", ID).addString("label", "", false);
    }
    if (job.equals("drill") || job.equals("verify")) {
      p.addString("backup", ID);
    }
    JobExecution e = new JobExecution(42, new JobInstance(42, job), p.toJobParameters());
    e.setStartTime(LocalDateTime.ofInstant(T0, ZoneId.systemDefault()));
    if (!status.isRunning()) {
      e.setEndTime(LocalDateTime.ofInstant(T0.plusSeconds(90), ZoneId.systemDefault()));
    }
    e.setStatus(status);
    e.setExitStatus(exit);
    if (contextKey != null) {
      e.getExecutionContext()
          .putString(
              contextKey, Files.readString(ResultJsonTests.GOLDEN.resolve(golden + ".json")));
    }
    return e;
  }

  private static History.Entry entry(
      String job, Double seconds, String outcome, String status, String result, String error) {
    return new History.Entry(
        42,
        job,
        "app",
        "schedule",
        "node-a",
        T0.toString(),
        seconds,
        outcome,
        status,
        result,
        error);
  }

  @Test
  void backups() throws IOException {
    assertThat(
            History.describe(
                run(
                    "backup",
                    BatchStatus.COMPLETED,
                    ExitStatus.COMPLETED,
                    "result",
                    "backup-complete")))
        .isEqualTo(entry("backup", 90.0, "success", "COMPLETED", ID, null));
    assertThat(
            History.describe(
                run(
                    "backup",
                    BatchStatus.COMPLETED,
                    new ExitStatus("PARTIAL"),
                    "result",
                    "backup-partial-labelled-encrypted")))
        .isEqualTo(entry("backup", 90.0, "partial", "COMPLETED", ID, "not stored in: b"));
    assertThat(
            History.describe(
                run(
                    "backup",
                    BatchStatus.FAILED,
                    ExitStatus.FAILED.addExitDescription(
                        "dev.lifeboat.backup.BackupException: pg_dump: error: boom\n\tat x.y(Z.java:1)"),
                    null,
                    null)))
        .isEqualTo(entry("backup", 90.0, "failed", "FAILED", null, "pg_dump: error: boom"));
    assertThat(
            History.describe(run("backup", BatchStatus.STARTED, ExitStatus.EXECUTING, null, null)))
        .isEqualTo(entry("backup", null, "running", "STARTED", ID, null));
    assertThat(History.describe(run("backup", BatchStatus.STOPPED, ExitStatus.STOPPED, null, null)))
        .isEqualTo(
            entry(
                "backup",
                90.0,
                "stopped",
                "STOPPED",
                null,
                "stopped on request (SIGTERM, Ctrl-C or JobOperator.stop); nothing of it was"
                    + " published"));
  }

  @Test
  void reportsOfDrillPruneAndVerify() throws IOException {
    // the first failed check is the error (history showed none for a failed drill until a check's
    // "status" was read: the reader looked for an "ok" flag that drill reports no longer carry)
    assertThat(
            History.describe(
                run(
                    "drill",
                    BatchStatus.COMPLETED,
                    ExitStatus.COMPLETED,
                    "report",
                    "drill-failed")))
        .isEqualTo(
            entry(
                "drill",
                90.0,
                "failed",
                "COMPLETED",
                "failed (backup " + ID + ")",
                "tenant isolation: account 1 sees 2 rows of 2"));
    assertThat(
            History.describe(
                run(
                    "prune",
                    BatchStatus.COMPLETED,
                    ExitStatus.COMPLETED,
                    "report",
                    "prune-partial")))
        .isEqualTo(
            entry(
                "prune",
                90.0,
                "partial",
                "COMPLETED",
                "kept 1, deleted 1 in a; b skipped",
                "store b: unreachable"));
    assertThat(
            History.describe(
                run(
                    "verify",
                    BatchStatus.COMPLETED,
                    ExitStatus.COMPLETED,
                    "report",
                    "verify-partial")))
        .isEqualTo(
            entry(
                "verify",
                90.0,
                "partial",
                "COMPLETED",
                "backup " + ID + ": a ok, b unreachable",
                "b: unreachable - connection refused"));
  }

  @Test
  void migrateAndDataMigration() throws IOException {
    assertThat(
            History.describe(
                run(
                    "migrate",
                    BatchStatus.COMPLETED,
                    ExitStatus.COMPLETED,
                    "result",
                    "migrate-failed")))
        .isEqualTo(entry("migrate", 90.0, "failed", "COMPLETED", "failed", "V2__bad.sql failed"));
    assertThat(
            History.describe(
                run("data-migrate", BatchStatus.COMPLETED, ExitStatus.COMPLETED, null, null)))
        .isEqualTo(entry("data-migrate", 90.0, "success", "COMPLETED", null, null));
  }
}
