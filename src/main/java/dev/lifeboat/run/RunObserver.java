package dev.lifeboat.run;

import org.springframework.batch.core.job.JobExecution;

/**
 * Told of every Spring Batch job that passes through {@link LocalExecutions} (every Lifeboat job
 * registers it), so metrics and notifications count a scheduled and a typed run alike, whatever the
 * job. An observer must not throw; one that does is logged and ignored, never failing the job.
 */
public interface RunObserver {

  /** The job of {@code execution} started in this process. */
  default void started(JobExecution execution) {}

  /** The job ended; {@code run} is how, in the words of {@code history}. */
  void finished(JobExecution execution, History.Entry run);

  /** The target {@code execution} is for; null for a job without one. */
  static String target(JobExecution execution) {
    return execution.getJobParameters().getString(RequestCodec.TARGET);
  }

  /**
   * The backup {@code execution} made or read: a backup's id, else the backup a run asked for
   * ({@code latest} or an id); null when none.
   */
  static String backup(JobExecution execution) {
    var p = execution.getJobParameters();
    String id = p.getString("id");
    return id != null ? id : p.getString(RequestCodec.BACKUP);
  }
}
