package dev.lifeboat.run;

import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.builder.SimpleJobBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.stereotype.Component;

/**
 * Builds the jobs and steps of verbs on the {@link Door}: a job that reports to {@link
 * LocalExecutions} (stop on SIGTERM, metrics, notifications) and steps that never see parameters or
 * JSON: the work gets the typed request and the resolved target and returns the result, which goes
 * into the execution context for the door and history.
 */
@Component
public final class Jobs {

  /** One step's work. */
  @FunctionalInterface
  public interface Work<Q, R> {
    R run(Q request, Target target) throws Exception;
  }

  private final JobRepository repository;
  private final LocalExecutions localExecutions;
  private final Handoff handoff;
  private final Targets targets;

  Jobs(
      JobRepository repository, LocalExecutions localExecutions, Handoff handoff, Targets targets) {
    this.repository = repository;
    this.localExecutions = localExecutions;
    this.handoff = handoff;
    this.targets = targets;
  }

  /** The job of {@code verb}: its steps in order. */
  public Job job(VerbName verb, Step first, Step... next) {
    SimpleJobBuilder job =
        new JobBuilder(verb.word(), repository).listener(localExecutions).start(first);
    for (Step s : next) {
      job.next(s);
    }
    return job.build();
  }

  /**
   * A step that runs {@code work} once, outside any control-database transaction (long work holds
   * none), and records its result; an outcome other than success is the step's exit status, as
   * history shows it.
   */
  public <Q extends Request<R>, R extends Result> Step step(
      String name, Class<Q> type, Work<Q, R> work) {
    return new StepBuilder(name, repository)
        .tasklet(
            (contribution, chunk) -> {
              JobExecution job = contribution.getStepExecution().getJobExecution();
              Q request = RequestCodec.decode(job.getJobParameters(), type);
              Target target =
                  handoff
                      .target(job.getJobParameters().getString(RequestCodec.TICKET))
                      .orElseGet(() -> targets.resolve(request.target()));
              R result = work.run(request, target);
              ResultCodec.put(job.getExecutionContext(), result);
              contribution.setExitStatus(
                  result.outcome() == Outcome.SUCCESS
                      ? ExitStatus.COMPLETED
                      : new ExitStatus(result.outcome().name(), result.error()));
              return RepeatStatus.FINISHED;
            },
            StepTransactions.none())
        .build();
  }
}
