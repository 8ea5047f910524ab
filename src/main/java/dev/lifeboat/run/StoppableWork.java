package dev.lifeboat.run;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobInterruptedException;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.tasklet.StoppableTasklet;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * A tasklet that {@code JobOperator.stop} can really stop: the work registers what ends it (kill
 * pg_dump, abort the uploads) and a stop runs that at once, then the step ends STOPPED instead of
 * FAILED. Without it Spring Batch only flags the execution and waits for a chunk boundary that a
 * streaming step never reaches.
 */
public final class StoppableWork implements StoppableTasklet {

  private static final Logger log = LoggerFactory.getLogger("lifeboat.jobs");

  /** The work of one step; {@code stop} holds what ends it early. */
  @FunctionalInterface
  public interface Work {
    RepeatStatus execute(StepContribution contribution, Stop stop) throws Exception;
  }

  /** Where running work registers how to end it; checked by work between its phases. */
  public static final class Stop {
    private final List<Runnable> actions = new CopyOnWriteArrayList<>();
    private volatile boolean requested;

    /** Registers {@code action}; runs it at once when a stop was already requested. */
    public void onStop(Runnable action) {
      actions.add(action);
      if (requested) {
        action.run();
      }
    }

    public boolean requested() {
      return requested;
    }

    void request() {
      requested = true;
      for (Runnable action : actions) {
        try {
          action.run();
        } catch (RuntimeException e) {
          // ending work is best effort; the step reports STOPPED either way
          log.debug("a stop action failed: {}", e.toString());
        }
      }
    }
  }

  private final Work work;
  private final Map<Long, Stop> running = new ConcurrentHashMap<>();

  /** The stops of the work running now in this process, by job execution. */
  private static final Map<Long, List<Stop>> BY_JOB = new ConcurrentHashMap<>();

  /**
   * Ends the work of job execution {@code jobExecutionId} running in this process, without saving
   * anything: the step's own thread then records it stopped ({@link LocalExecutions#stopAll}).
   */
  static void stopJob(long jobExecutionId) {
    BY_JOB.getOrDefault(jobExecutionId, List.of()).forEach(Stop::request);
  }

  private StoppableWork(Work work) {
    this.work = work;
  }

  public static Tasklet of(Work work) {
    return new StoppableWork(work);
  }

  @Override
  public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext)
      throws Exception {
    long id = contribution.getStepExecution().getId();
    long job = contribution.getStepExecution().getJobExecutionId();
    Stop stop = new Stop();
    running.put(id, stop);
    BY_JOB.computeIfAbsent(job, k -> new CopyOnWriteArrayList<>()).add(stop);
    try {
      if (contribution.getStepExecution().getJobExecution().isStopping()) {
        stop.request();
      }
      if (stop.requested()) {
        throw new JobInterruptedException("stopped before it started");
      }
      return work.execute(contribution, stop);
    } catch (Exception e) {
      if (stop.requested() && !(e instanceof JobInterruptedException)) {
        JobInterruptedException stopped = new JobInterruptedException("stopped on request");
        stopped.initCause(e);
        throw stopped;
      }
      throw e;
    } finally {
      running.remove(id);
      BY_JOB.computeIfPresent(
          job,
          (k, stops) -> {
            stops.remove(stop);
            return stops.isEmpty() ? null : stops;
          });
    }
  }

  @Override
  public void stop(StepExecution stepExecution) {
    Stop stop = running.get(stepExecution.getId());
    if (stop != null) {
      stop.request();
    }
  }

  @Override
  public void stop() {
    running.values().forEach(Stop::request);
  }
}
