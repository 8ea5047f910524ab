package dev.lifeboat.retention;

import dev.lifeboat.config.ConfigException;
import dev.lifeboat.run.Door;
import dev.lifeboat.run.Endings;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.Schedulable;
import dev.lifeboat.run.Trigger;
import dev.lifeboat.run.Verb;
import dev.lifeboat.run.VerbName;
import dev.lifeboat.target.Target;
import java.util.List;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * The prune verb on the door: applies the retention policy to the stores of a target. {@code
 * lifeboat prune} and the {@code prune} schedule both go through the {@link Door}; the work is
 * {@link Pruner}'s, run by the one step of {@link PruneJobConfiguration}.
 */
@Component
final class Prune implements Verb<PruneRequest, PruneReport>, Schedulable {

  private final Job pruneBatchJob;
  private final ObjectProvider<Door> door;

  Prune(Job pruneBatchJob, ObjectProvider<Door> door) {
    this.pruneBatchJob = pruneBatchJob;
    this.door = door;
  }

  @Override
  public VerbName name() {
    return VerbName.PRUNE;
  }

  @Override
  public Class<PruneRequest> requestType() {
    return PruneRequest.class;
  }

  @Override
  public Class<PruneReport> resultType() {
    return PruneReport.class;
  }

  @Override
  public Job job() {
    return pruneBatchJob;
  }

  @Override
  public PruneRequest prepare(PruneRequest request, Target target) {
    if (request.store() != null && !target.stores().contains(request.store())) {
      throw new ConfigException(
          "--store",
          "target '"
              + target.name()
              + "' has no store '"
              + request.store()
              + "' (its stores: "
              + String.join(", ", target.stores())
              + "); nothing was pruned");
    }
    return request;
  }

  @Override
  public PruneReport unfinished(PruneRequest request, JobExecution execution) {
    // the step failed before it could decide anything: a usage error keeps its exit code
    Endings.rethrowKnown(execution);
    return new PruneReport(
        request.target(),
        request.dryRun(),
        Outcome.FAILED,
        "nothing pruned",
        Endings.firstMessage(execution),
        List.of(),
        List.of());
  }

  @Override
  public Schedulable.Run run(Target target, Trigger trigger) {
    PruneReport report = door.getObject().run(PruneRequest.scheduled(target.name()), trigger);
    return new Schedulable.Run(report.outcome(), report.summary(), report.error());
  }
}
