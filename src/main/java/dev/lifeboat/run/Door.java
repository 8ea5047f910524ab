package dev.lifeboat.run;

import dev.lifeboat.config.Node;
import dev.lifeboat.target.Target;
import dev.lifeboat.target.Targets;
import java.time.Clock;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.launch.JobOperator;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * The one way into a verb on it, whoever asks (the command line, a schedule, another verb): the
 * target resolved once, the verb's refusals before anything is recorded, the run recorded in the
 * job repository with its request, trigger and node, and the typed result read back. Verbs move
 * onto it one by one (issue 20): prune and verify so far.
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
      JobParameters parameters =
          RequestCodec.encode(verb, prepared, clock.instant(), trigger, node.name(), ticket);
      JobExecution execution;
      try {
        execution = operator.start(verb.job(), parameters);
      } catch (Exception e) {
        throw new RunException(
            "could not start the " + verb.name().word() + " job: " + e.getMessage(), e);
      }
      return ResultCodec.read(execution.getExecutionContext(), verb.resultType())
          .map(result -> verb.ended(prepared, result, execution))
          .orElseGet(() -> verb.unfinished(prepared, execution));
    } finally {
      handoff.close(ticket);
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
