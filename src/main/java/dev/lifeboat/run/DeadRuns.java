package dev.lifeboat.run;

import dev.lifeboat.config.Node;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.stereotype.Component;

/**
 * Runs whose process died (kill -9, power loss) stay STARTED in the job repository. A verb that
 * holds the lock no other run of the same work can hold knows every other such run is dead, and
 * marks it FAILED with the reason, so history tells the truth.
 */
@Component
public final class DeadRuns {

  private static final Logger log = LoggerFactory.getLogger("lifeboat.jobs");

  private final JobRepository repository;
  private final JobOperator operator;

  DeadRuns(JobRepository repository, JobOperator operator) {
    this.repository = repository;
    this.operator = operator;
  }

  /**
   * Marks FAILED every running execution of {@code job} whose parameter {@code key} is {@code
   * value}, but {@code self}; {@code why} gives its exit description from the node that ran it
   * (null when unknown). Bookkeeping only: a failure is logged, never thrown.
   */
  public void markFailed(
      String job, String key, String value, long self, Function<String, String> why) {
    for (JobExecution running : repository.findRunningJobExecutions(job)) {
      if (running.getId() == self || !value.equals(running.getJobParameters().getString(key))) {
        continue;
      }
      try {
        JobExecution dead = operator.recover(running);
        dead.setExitStatus(
            ExitStatus.FAILED.addExitDescription(
                why.apply(running.getJobParameters().getString(Trigger.NODE))));
        repository.update(dead);
      } catch (RuntimeException e) {
        log.warn(
            "could not mark the dead {} run {} of {} '{}' failed: {}",
            job,
            running.getId(),
            key,
            value,
            e.getMessage());
      }
    }
  }

  /**
   * Marks FAILED every other run of {@code verb} on {@code target} still recorded running: {@code
   * node} holds the target's backup lock, so their process died; {@code left} says what of such a
   * run may remain.
   */
  public void markFailedUnderBackupLock(
      VerbName verb, String target, long self, Node node, String left) {
    markFailed(
        verb.word(),
        "target",
        target,
        self,
        owner ->
            "the process running it died"
                + (owner == null ? "" : " on node " + owner)
                + "; found by node "
                + node.name()
                + " holding the target's backup lock; "
                + left);
  }
}
