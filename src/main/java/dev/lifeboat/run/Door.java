package dev.lifeboat.run;

import dev.lifeboat.config.Node;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.time.Clock;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.batch.core.scope.context.StepSynchronizationManager;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * The one way into a verb on it, whoever asks (the command line, a schedule, another verb): the
 * target resolved once, the verb's refusals before anything is recorded, the run recorded in the
 * job repository with its request, trigger and node, and the typed result read back. Every verb is
 * on it (issue 20): backup, verify, restore, drill, prune, migrate, data-migrate.
 */
@Component
public final class Door {

  private final ObjectProvider<Verb<?, ?>> verbs;
  private final Targets targets;
  private final JobOperator operator;
  private final Clock clock;
  private final Node node;
  private final Handoff handoff;

  Door(
      ObjectProvider<Verb<?, ?>> verbs,
      Targets targets,
      JobOperator operator,
      Clock clock,
      Node node,
      Handoff handoff) {
    this.verbs = verbs;
    this.targets = targets;
    this.operator = operator;
    this.clock = clock;
    this.node = node;
    this.handoff = handoff;
  }

  /** Runs the verb {@code request} is for, once, and returns how it ended. */
  public <Q extends Request<R>, R extends Result> R run(Q request, Trigger trigger) {
    Verb<Q, R> verb = verbFor(request);
    Target target = targets.resolve(request.target());
    Q prepared = verb.prepare(request, target);
    String ticket = handoff.open(target);
    try {
      JobExecution execution;
      try {
        JobParameters parameters =
            RequestCodec.encode(verb, prepared, clock.instant(), trigger, node.name(), ticket);
        execution =
            StepSynchronizationManager.getContext() == null
                ? start(verb, parameters)
                : onAThreadOfItsOwn(verb, parameters);
      } catch (RuntimeException e) {
        verb.abandoned(prepared); // prepared, but no run will end it
        throw e;
      }
      R result =
          ResultCodec.read(execution.getExecutionContext(), verb.resultType())
              .map(read -> verb.settle(prepared, read, execution))
              .orElseGet(() -> verb.unfinished(prepared, execution));
      verb.ended(prepared, result);
      return result;
    } finally {
      handoff.close(ticket);
    }
  }

  /**
   * Runs the verb a schedule names for {@code target}, exactly as the command line would: the
   * verb's {@link Verb#scheduled scheduled request}, through {@link #run}.
   *
   * @throws IllegalArgumentException when no verb of this Lifeboat is fired by that name
   */
  public Result runScheduled(VerbName name, String target) {
    Verb<?, ?> verb =
        verbs
            .orderedStream()
            .filter(v -> v.name() == name && name.schedulable())
            .findFirst()
            .orElseThrow(
                () -> new IllegalArgumentException("no verb is fired by a schedule as " + name));
    return runScheduled(verb, target);
  }

  private <Q extends Request<R>, R extends Result> R runScheduled(Verb<Q, R> verb, String target) {
    return run(verb.scheduled(target), Trigger.SCHEDULE);
  }

  private JobExecution start(Verb<?, ?> verb, JobParameters parameters) {
    try {
      return operator.start(verb.job(), parameters);
    } catch (Exception e) {
      throw new RunException(
          "could not start the " + verb.name().word() + " job: " + e.getMessage(), e);
    }
  }

  /**
   * A run composed inside another run's step (a safe migration's backups, the safety backup of a
   * restore it undoes with) starts on a thread of its own: Spring Batch refuses to start a job on a
   * thread that runs a step, inside that step's transaction and scope.
   */
  private JobExecution onAThreadOfItsOwn(Verb<?, ?> verb, JobParameters parameters) {
    FutureTask<JobExecution> run = new FutureTask<>(() -> start(verb, parameters));
    Thread thread = new Thread(run, "lifeboat-" + verb.name().word());
    thread.start();
    try {
      return run.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RunException(
          "interrupted while waiting for the " + verb.name().word() + " run it started", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new RunException(
          "the " + verb.name().word() + " run failed: " + e.getCause().getMessage(), e.getCause());
    }
  }

  @SuppressWarnings("unchecked")
  private <Q extends Request<R>, R extends Result> Verb<Q, R> verbFor(Q request) {
    return (Verb<Q, R>)
        verbs
            .orderedStream()
            .filter(v -> v.requestType().isInstance(request))
            .findFirst()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "no verb takes a " + request.getClass().getSimpleName()));
  }
}
