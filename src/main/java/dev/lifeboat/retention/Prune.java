package dev.lifeboat.retention;

import dev.lifeboat.base.Json;
import dev.lifeboat.base.LifeboatException;
import dev.lifeboat.config.Node;
import dev.lifeboat.run.Trigger;
import dev.lifeboat.run.Verb;
import dev.lifeboat.run.VerbName;
import dev.lifeboat.target.Target;
import java.time.Clock;
import java.util.List;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.stereotype.Component;

/**
 * Applies the retention policy to the stores of a target: {@code lifeboat prune} and the {@code
 * prune} schedule call this same door. Returns what was kept (and why), deleted and cleaned.
 */
@Component
public final class Prune implements Verb {

  private final JobOperator jobOperator;
  private final Job pruneBatchJob;
  private final Clock clock;
  private final Node node;

  Prune(JobOperator jobOperator, Job pruneBatchJob, Clock clock, Node node) {
    this.jobOperator = jobOperator;
    this.pruneBatchJob = pruneBatchJob;
    this.clock = clock;
    this.node = node;
  }

  @Override
  public VerbName name() {
    return VerbName.PRUNE;
  }

  @Override
  public Verb.Run run(Target target, Trigger trigger) {
    PruneReport report = execute(target, null, false, trigger);
    return new Verb.Run(report.status().outcome(), report.summary(), report.error());
  }

  /** A prune typed on the command line: {@code store} null for every store of the target. */
  public PruneReport run(Target target, String store, boolean dryRun) {
    if (store != null && !target.stores().contains(store)) {
      throw new dev.lifeboat.config.ConfigException(
          "--store",
          "target '"
              + target.name()
              + "' has no store '"
              + store
              + "' (its stores: "
              + String.join(", ", target.stores())
              + "); nothing was pruned");
    }
    return execute(target, store, dryRun, Trigger.CLI);
  }

  private PruneReport execute(Target target, String store, boolean dryRun, Trigger trigger) {
    JobExecution execution;
    try {
      execution =
          jobOperator.start(
              pruneBatchJob,
              new JobParametersBuilder()
                  .addString(PruneJobConfiguration.TARGET, target.name())
                  .addString(PruneJobConfiguration.STARTED_AT, clock.instant().toString())
                  .addString(PruneJobConfiguration.STORE, store == null ? "" : store, false)
                  .addString(PruneJobConfiguration.DRY_RUN, String.valueOf(dryRun), false)
                  .addString(Trigger.PARAMETER, trigger.word(), false)
                  .addString(Trigger.NODE, node.name(), false)
                  .toJobParameters());
    } catch (Exception e) {
      throw new PruneException("could not start the prune job: " + e.getMessage(), e);
    }
    String report = execution.getExecutionContext().getString(PruneJobConfiguration.REPORT, null);
    if (report != null) {
      return Json.read(report, PruneReport.class);
    }
    // the step failed before it could decide anything: a usage error keeps its exit code
    for (Throwable t : execution.getAllFailureExceptions()) {
      if (t instanceof LifeboatException known) {
        throw known;
      }
    }
    String error =
        execution.getAllFailureExceptions().stream()
            .map(Throwable::getMessage)
            .findFirst()
            .orElse("the prune job ended " + execution.getStatus());
    return new PruneReport(
        target.name(),
        dryRun,
        PruneReport.Status.FAILED,
        "nothing pruned",
        error,
        List.of(),
        List.of());
  }
}
