package dev.lifeboat.restore;

import dev.lifeboat.run.Endings;
import dev.lifeboat.run.RestoreRequest;
import dev.lifeboat.run.RestoreResult;
import dev.lifeboat.run.Verb;
import dev.lifeboat.run.VerbName;
import dev.lifeboat.target.Target;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.stereotype.Component;

/**
 * The restore verb on the {@link Door}: a backup restored into a database on the target's server.
 * Decide, then act: the plan is made before the job ({@link RestorePlanner}; refusals exit 2 with
 * nothing recorded), the job's one stoppable step carries that very plan out ({@link RestoreStep}).
 * It drops only databases it marked as its own ({@code archive.LifeboatDatabases}); a name it needs
 * that is taken by any other database is refused before anything starts.
 */
@Component
public final class Restore extends Verb<RestoreRequest, RestoreResult> {

  private final RestorePlanner planner;
  private final RestoreStep step;

  /** Plans a person confirmed, by the request that runs them (same process, see {@link #plan}). */
  private final Map<RestoreRequest, RestorePlan> confirmed = new ConcurrentHashMap<>();

  Restore(Job restoreBatchJob, RestorePlanner planner, RestoreStep step) {
    super(VerbName.RESTORE, RestoreRequest.class, RestoreResult.class, restoreBatchJob);
    this.planner = planner;
    this.step = step;
  }

  /**
   * Plans {@code request} without changing anything (refusals are usage errors, exit 2), tells
   * {@code describe} the plan line by line, and returns the request that runs exactly that plan
   * through the door: pinned to the backup it showed, so a backup landing before the run is not
   * restored instead.
   */
  public RestoreRequest plan(RestoreRequest request, Target target, Consumer<String> describe) {
    RestorePlan plan = planner.plan(target, request);
    plan.describe().forEach(describe);
    RestoreRequest pinned = request.of(plan.backup().manifest().id());
    confirmed.put(pinned, plan);
    return pinned;
  }

  /** The planning refusals, before anything is recorded; the request pinned to its backup's id. */
  @Override
  public RestoreRequest prepare(RestoreRequest request, Target target) {
    RestorePlan plan = confirmed.remove(request);
    if (plan == null) {
      plan = planner.plan(target, request);
    }
    RestoreRequest pinned = request.of(plan.backup().manifest().id());
    step.expect(pinned, plan);
    return pinned;
  }

  /**
   * Stopped: nothing was swapped into place. Failed: the step's own message (which databases exist
   * and that the destination was not touched), exit 1 as before the door.
   */
  @Override
  public RestoreResult unfinished(RestoreRequest request, JobExecution execution) {
    step.forget(request);
    if (execution.getStatus() == BatchStatus.STOPPED) {
      return RestoreResult.stopped(
          request,
          "stopped on request; database '"
              + request.into()
              + "' was not touched (a staging database a stop could not drop is dropped by the"
              + " next restore into it)");
    }
    Endings.rethrowKnown(execution);
    throw new RestoreException(Endings.firstMessage(execution));
  }

  @Override
  public void abandoned(RestoreRequest request) {
    step.forget(request);
  }

  @Override
  public void ended(RestoreRequest request, RestoreResult result) {
    step.forget(request);
  }
}
