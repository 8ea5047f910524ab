package dev.lifeboat.retention;

import dev.lifeboat.config.ConfigException;
import dev.lifeboat.run.Endings;
import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.Verb;
import dev.lifeboat.run.VerbName;
import dev.lifeboat.target.Target;
import java.util.List;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.stereotype.Component;

/**
 * The prune verb on the door: applies the retention policy to the stores of a target. {@code
 * lifeboat prune} and the {@code prune} schedule both go through the {@link Door}; the work is
 * {@link Pruner}'s, run by the one step of {@link PruneJobConfiguration}.
 */
@Component
final class Prune extends Verb<PruneRequest, PruneReport> {

  Prune(Job pruneBatchJob) {
    super(VerbName.PRUNE, PruneRequest.class, PruneReport.class, pruneBatchJob);
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

  /** A scheduled prune: the target's retention policy over all its stores. */
  @Override
  public PruneRequest scheduled(String target) {
    return PruneRequest.scheduled(target);
  }
}
