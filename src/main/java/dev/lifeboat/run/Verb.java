package dev.lifeboat.run;

import dev.lifeboat.target.Target;
import java.time.Instant;
import java.util.Map;
import java.util.function.Function;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;

/**
 * One verb on the {@link Door}: its Spring Batch job and the little the door cannot know about it.
 * The verb's steps read the request and write the result through {@link RunStep}; nobody reads a
 * result field by field.
 *
 * @param <Q> what a caller asks
 * @param <R> how a run ends
 */
public abstract class Verb<Q extends Request<R>, R extends Result> {

  private final VerbName name;
  private final Class<Q> requestType;
  private final Class<R> resultType;
  private final Job job;

  /**
   * @param job the verb's job, a bean of its job configuration
   */
  protected Verb(VerbName name, Class<Q> requestType, Class<R> resultType, Job job) {
    this.name = name;
    this.requestType = requestType;
    this.resultType = resultType;
    this.job = job;
  }

  public final VerbName name() {
    return name;
  }

  public final Class<Q> requestType() {
    return requestType;
  }

  public final Class<R> resultType() {
    return resultType;
  }

  /** The verb's job, a bean of its job configuration. */
  public final Job job() {
    return job;
  }

  /**
   * The request a schedule fires for {@code target}: asked only of a verb whose {@link
   * VerbName#schedulable() name is schedulable}, which overrides it.
   */
  public Q scheduled(String target) {
    throw new UnsupportedOperationException(name.word() + " is not fired by a schedule");
  }

  /**
   * Before anything is recorded: a refusal (a {@code ConfigException}, exit 2) of a request the
   * target cannot serve; returns the request to run.
   */
  public Q prepare(Q request, Target target) {
    return request;
  }

  /**
   * The identifying parameters besides {@code target}: what makes two runs two job instances. Every
   * run is its own instance, told apart by the second it started.
   */
  public Map<String, String> identifying(Q request, Instant startedAt) {
    return Map.of(RequestCodec.STARTED_AT, startedAt.toString());
  }

  /**
   * What a run whose job left no result ended with: it failed before its step decided anything, or
   * was stopped. May rethrow a failure Lifeboat foresaw, so that a usage error keeps its exit code.
   */
  public abstract R unfinished(Q request, JobExecution execution);

  /**
   * For {@link #unfinished}: the {@link Endings#outcome outcome} and the error to show, "stopped on
   * request; nothing of it is listed" when stopped, else the first failure as {@code message} reads
   * it, else "the NAME job ended STATUS".
   */
  protected final Ending ending(JobExecution execution, Function<Throwable, String> message) {
    Outcome outcome = Endings.outcome(execution);
    if (outcome == Outcome.STOPPED) {
      return new Ending(outcome, "stopped on request; nothing of it is listed");
    }
    String error =
        execution.getAllFailureExceptions().stream()
            .map(message)
            .findFirst()
            .orElse("the " + name.word() + " job ended " + execution.getStatus());
    return new Ending(outcome, error);
  }

  /** How a run that left no result ended, and what to tell. */
  protected record Ending(Outcome outcome, String error) {}

  /**
   * The result the run left, settled with what only its execution tells (a drill's report says
   * failed; the execution whether it was stopped or skipped). Most verbs' results say it all.
   */
  public R settle(Q request, R result, JobExecution execution) {
    return result;
  }

  /**
   * A request {@link #prepare} accepted whose job never started (too long to record, the job
   * repository unreachable): undo what {@code prepare} holds for the run (a lock, a plan), since no
   * job listener and no {@link #ended} will.
   */
  public void abandoned(Q request) {}

  /**
   * Told in the caller's process once the run has ended, whichever way: the verb's own meters (a
   * backup's upload failures and duration). Never for a request refused before it ran.
   */
  public void ended(Q request, R result) {}
}
