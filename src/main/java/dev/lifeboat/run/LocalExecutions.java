package dev.lifeboat.run;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The job executions running in this process. On shutdown (SIGTERM, Ctrl-C, the end of {@code
 * serve}) each is marked STOPPING in the job repository and its work ended (child processes,
 * uploads), and the shutdown waits for them to record STOPPED before the control database closes.
 */
@Component
public final class LocalExecutions implements JobExecutionListener, SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger("lifeboat.jobs");

  /** How long a shutdown waits for stopped jobs to finish; below systemd's 90 s and our 30 s. */
  static final Duration GRACE = Duration.ofSeconds(20);

  private final Map<Long, JobExecution> running = new ConcurrentHashMap<>();
  private final ObjectProvider<RunObserver> observers;
  private final ObjectProvider<org.springframework.batch.core.repository.JobRepository> repository;
  private volatile boolean lifecycleRunning;
  private volatile boolean stopped;

  LocalExecutions(
      ObjectProvider<RunObserver> observers,
      ObjectProvider<org.springframework.batch.core.repository.JobRepository> repository) {
    this.observers = observers;
    this.repository = repository;
  }

  @Override
  public void beforeJob(JobExecution execution) {
    running.put(execution.getId(), execution);
    var p = execution.getJobParameters();
    log.info(
        "started {} of target '{}' (execution {}, trigger {}, node {})",
        execution.getJobInstance().getJobName(),
        p.getString("target"),
        execution.getId(),
        Trigger.of(p.getString(Trigger.PARAMETER)).word(),
        p.getString(Trigger.NODE));
    observers.orderedStream().forEach(o -> tell(o, execution, null));
    if (stopped) {
      // started after the shutdown began (a signal while the command was on its way): its first
      // step is interrupted and the job is recorded STOPPED, having done nothing
      log.info(
          "stopping {} execution {} (shutdown began before it started)",
          execution.getJobInstance().getJobName(),
          execution.getId());
      execution.setStatus(org.springframework.batch.core.BatchStatus.STOPPING);
    }
  }

  @Override
  public void afterJob(JobExecution execution) {
    // a refusal because the same job of the target runs elsewhere is recorded as such (Batch saves
    // the execution after its listeners), so history and metrics read a word, not a stack trace
    if (execution.getStatus() == org.springframework.batch.core.BatchStatus.FAILED
        && TargetBusyException.among(execution.getAllFailureExceptions())) {
      execution.setExitStatus(
          new org.springframework.batch.core.ExitStatus(
              History.SKIPPED_EXIT_CODE,
              TargetBusyException.message(execution.getAllFailureExceptions())));
    }
    try {
      History.Entry run = History.describe(execution);
      observers.orderedStream().forEach(o -> tell(o, execution, run));
    } catch (RuntimeException e) {
      log.warn("could not report execution {}: {}", execution.getId(), e.getMessage());
    }
    synchronized (running) {
      running.remove(execution.getId());
      running.notifyAll();
    }
  }

  private static void tell(RunObserver observer, JobExecution execution, History.Entry run) {
    try {
      if (run == null) {
        observer.started(execution);
      } else {
        observer.finished(execution, run);
      }
    } catch (RuntimeException e) {
      // metrics and notifications never fail a job
      log.warn(
          "{} could not record execution {}: {}",
          observer.getClass().getSimpleName(),
          execution.getId(),
          e.getMessage());
    }
  }

  /** Stops every job running here and waits up to {@code grace} for them to end. */
  public void stopAll(Duration grace) {
    List<Long> stopped = new ArrayList<>(running.keySet());
    for (JobExecution execution : running.values()) {
      log.info(
          "stopping {} execution {} (shutdown)",
          execution.getJobInstance().getJobName(),
          execution.getId());
      try {
        markStopping(execution.getId());
      } catch (RuntimeException e) {
        log.warn("could not mark execution {} stopping: {}", execution.getId(), e.getMessage());
      }
      // pg_dump ended, uploads aborted: the step's own thread then saves it STOPPED
      StoppableWork.stopJob(execution.getId());
    }
    long deadline = System.nanoTime() + grace.toNanos();
    synchronized (running) {
      while (!running.isEmpty() && System.nanoTime() < deadline) {
        try {
          running.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
    // Batch calls afterJob (which empties the map) before it saves the job's final status: wait
    // for that save too, or closing the control database next would leave the run UNKNOWN
    for (Long id : stopped) {
      awaitSaved(id, deadline);
    }
  }

  /**
   * Saves the execution STOPPING from a copy read back from the job repository, so that the job's
   * own thread sees it at its next save and ends the step STOPPED. Not JobOperator.stop: that saves
   * the very JobExecution and StepExecution objects the job's thread is saving at that moment
   * (right after the stop ended pg_dump), and when two saves of one object race on its version, the
   * loser fails and Batch records the run UNKNOWN (seen in ServeIntegrationTests).
   */
  private void markStopping(long id) {
    var repo = repository.getIfAvailable();
    if (repo == null) {
      return;
    }
    JobExecution copy = repo.getJobExecution(id);
    if (copy == null
        || !(copy.getStatus() == org.springframework.batch.core.BatchStatus.STARTED
            || copy.getStatus() == org.springframework.batch.core.BatchStatus.STARTING)) {
      return;
    }
    copy.setStatus(org.springframework.batch.core.BatchStatus.STOPPING);
    repo.update(copy);
  }

  private void awaitSaved(long id, long deadline) {
    try {
      var repo = repository.getIfAvailable();
      while (repo != null && System.nanoTime() < deadline) {
        JobExecution saved = repo.getJobExecution(id);
        if (saved == null
            || !(saved.getStatus() == org.springframework.batch.core.BatchStatus.STOPPING
                || saved.getStatus().isRunning())) {
          return;
        }
        Thread.sleep(50);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.debug("could not read execution {} back: {}", id, e.getMessage());
    }
  }

  public boolean idle() {
    return running.isEmpty();
  }

  @Override
  public void start() {
    lifecycleRunning = true;
  }

  @Override
  public void stop() {
    stopped = true;
    lifecycleRunning = false;
    if (!running.isEmpty()) {
      stopAll(GRACE);
    }
  }

  @Override
  public boolean isRunning() {
    return lifecycleRunning;
  }

  /** Stopped after the scheduler (which stops first so that nothing new starts). */
  @Override
  public int getPhase() {
    return Integer.MAX_VALUE - 2000;
  }
}
