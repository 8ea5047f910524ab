package dev.lifeboat.run;

import dev.lifeboat.target.Target;

/**
 * A verb the scheduler can fire, by its name and a target name. A verb on the typed {@link Door}
 * (prune, verify, drill) answers it through the door; the others (backup, migrate) still run their
 * job themselves until they move onto the door (issue 20).
 */
public interface Schedulable {

  /** The verb's name under {@code schedules}: {@code backup}, {@code drill}. */
  VerbName name();

  /** Runs it once for {@code target}; never throws for a run that merely failed. */
  Run run(Target target, Trigger trigger);

  /** What a scheduled run leaves for the log line: outcome, a short summary, the error if any. */
  record Run(Outcome outcome, String summary, String error) {}
}
