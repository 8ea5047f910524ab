package dev.lifeboat.run;

import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.builder.SimpleJobBuilder;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.ExecutionContext;
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

  private static final Logger log = LoggerFactory.getLogger("lifeboat.jobs");

  /** One step's work. */
  @FunctionalInterface
  public interface Work<Q, R> {
    R run(Q request, Target target) throws Exception;
  }

  /** The work of one step of several: what it makes goes into the job's context for the next. */
  @FunctionalInterface
  public interface Stage<Q> {
    void run(Q request, Target target, Scope run) throws Exception;
  }

  /** One running execution as a {@link Stage} sees it. */
  public interface Scope {
    /** The job execution's id. */
    long execution();

    /** Where stoppable work registers what ends it; never requested for a plain stage. */
    StoppableWork.Stop stop();

    /** What started the run: a nested run (a safe migration's backups) is started so too. */
    Trigger trigger();

    /** The job's execution context: what one step leaves for the next, as JSON strings. */
    ExecutionContext context();

    /** Records the run's result; an outcome other than success is the step's exit status. */
    void result(Result result);
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
    return stage(name, type, (request, target, run) -> run.result(work.run(request, target)));
  }

  /** A step of several, outside any control-database transaction, that a stop does not end. */
  public <Q extends Request<?>> Step stage(String name, Class<Q> type, Stage<Q> work) {
    return new StepBuilder(name, repository)
        .tasklet(
            (contribution, chunk) -> {
              run(contribution, type, work, new StoppableWork.Stop());
              return RepeatStatus.FINISHED;
            },
            StepTransactions.none())
        .build();
  }

  /** The request of {@code job}, for a verb's own listener or tasklet. */
  public <Q extends Request<?>> Q request(JobExecution job, Class<Q> type) {
    return RequestCodec.decode(job.getJobParameters(), type);
  }

  /** The target the door resolved for {@code job} (resolved again in another process). */
  public Target target(JobExecution job, Request<?> request) {
    return handoff
        .target(job.getJobParameters().getString(RequestCodec.TICKET))
        .orElseGet(() -> targets.resolve(request.target()));
  }

  /**
   * Records the result of {@code job} from a verb's own listener, after its steps: Spring Batch
   * saves no context changed after the last step. A failure to save is logged: the result still
   * reaches the caller, only history lacks it.
   */
  public void record(JobExecution job, Result result) {
    ResultCodec.put(job.getExecutionContext(), result);
    try {
      repository.updateExecutionContext(job);
    } catch (RuntimeException e) {
      log.warn(
          "could not record the result of {} run {} in the job history: {}",
          job.getJobInstance().getJobName(),
          job.getId(),
          e.getMessage());
    }
  }

  /**
   * A step of several that a stop (SIGTERM, {@code JobOperator.stop}) ends at once: the work
   * registers what ends it (kill a process, abort uploads) and the step ends STOPPED.
   */
  public <Q extends Request<?>> Step stoppable(String name, Class<Q> type, Stage<Q> work) {
    return new StepBuilder(name, repository)
        .tasklet(
            StoppableWork.of(
                (contribution, stop) -> {
                  run(contribution, type, work, stop);
                  return RepeatStatus.FINISHED;
                }),
            StepTransactions.none())
        .build();
  }

  private <Q extends Request<?>> void run(
      StepContribution contribution, Class<Q> type, Stage<Q> work, StoppableWork.Stop stop)
      throws Exception {
    JobExecution job = contribution.getStepExecution().getJobExecution();
    Q request = request(job, type);
    Target target = target(job, request);
    work.run(
        request,
        target,
        new Scope() {
          @Override
          public long execution() {
            return job.getId();
          }

          @Override
          public StoppableWork.Stop stop() {
            return stop;
          }

          @Override
          public Trigger trigger() {
            return Trigger.of(job.getJobParameters().getString(Trigger.PARAMETER));
          }

          @Override
          public ExecutionContext context() {
            return job.getExecutionContext();
          }

          @Override
          public void result(Result result) {
            ResultCodec.put(job.getExecutionContext(), result);
            contribution.setExitStatus(
                result.outcome() == Outcome.SUCCESS
                    ? ExitStatus.COMPLETED
                    : new ExitStatus(result.outcome().name(), result.error()));
          }
        });
  }
}
