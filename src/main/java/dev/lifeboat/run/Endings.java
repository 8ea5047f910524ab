package dev.lifeboat.run;

import dev.lifeboat.base.LifeboatException;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;

/** How a job that left no result ended, for a verb's {@link Verb#unfinished}. */
public final class Endings {

  private Endings() {}

  /**
   * Rethrows the first failure Lifeboat foresaw, among the failures and their causes, so a usage
   * error keeps its exit code.
   */
  public static void rethrowKnown(JobExecution execution) {
    for (Throwable t : execution.getAllFailureExceptions()) {
      for (Throwable c = t; c != null; c = c.getCause()) {
        if (c instanceof LifeboatException known) {
          throw known;
        }
      }
    }
  }

  /**
   * Rethrows a failure Lifeboat foresaw (see {@link #rethrowKnown}); else "WHAT failed: " and the
   * first failure's message, for the verb's own exception.
   */
  public static String failed(JobExecution execution, String what) {
    rethrowKnown(execution);
    return what + " failed: " + firstMessage(execution);
  }

  /**
   * How a run that left no result ended: {@code STOPPED} on request, {@code SKIPPED} when another
   * run of the target held its lock, else {@code FAILED}.
   */
  public static Outcome outcome(JobExecution execution) {
    if (execution.getStatus() == BatchStatus.STOPPED) {
      return Outcome.STOPPED;
    }
    return TargetBusyException.among(execution.getAllFailureExceptions())
        ? Outcome.SKIPPED
        : Outcome.FAILED;
  }

  /** The first failure's message, else "the NAME job ended STATUS". */
  public static String firstMessage(JobExecution execution) {
    return execution.getAllFailureExceptions().stream()
        .map(Throwable::getMessage)
        .findFirst()
        .orElse(
            "the "
                + execution.getJobInstance().getJobName()
                + " job ended "
                + execution.getStatus());
  }
}
