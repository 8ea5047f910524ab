package dev.lifeboat.metrics;

import dev.lifeboat.run.History;
import dev.lifeboat.run.RunObserver;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The generic job meters, recorded for every Spring Batch job that registers {@code
 * LocalExecutions}: runs, running, last run and duration by job, target and outcome.
 */
@Component
@Order(0)
final class JobMetrics implements RunObserver {

  private final LifeboatMetrics metrics;
  private final Clock clock;

  JobMetrics(LifeboatMetrics metrics, Clock clock) {
    this.metrics = metrics;
    this.clock = clock;
  }

  @Override
  public void started(JobExecution execution) {
    metrics.running(job(execution), target(execution), +1);
  }

  @Override
  public void finished(JobExecution execution, History.Entry run) {
    String job = job(execution);
    String target = target(execution);
    metrics.running(job, target, -1);
    Instant ended = clock.instant();
    Instant started =
        execution.getStartTime() == null
            ? ended
            : execution.getStartTime().atZone(ZoneId.systemDefault()).toInstant();
    metrics.jobRun(job, target, run.outcome(), Duration.between(started, ended), ended);
  }

  private static String job(JobExecution execution) {
    return execution.getJobInstance().getJobName();
  }

  /** A job without a target (none so far) is counted under "" rather than not at all. */
  private static String target(JobExecution execution) {
    String t = RunObserver.target(execution);
    return t == null ? "" : t;
  }
}
