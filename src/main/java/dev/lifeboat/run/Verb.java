package dev.lifeboat.run;

import dev.lifeboat.target.Target;

/**
 * A job the scheduler can fire: the door of one verb (backup, drill, later prune), the same entry
 * point the command line calls, with the request a schedule makes.
 */
public interface Verb {

  /** The verb's name under {@code schedules}: {@code backup}, {@code drill}. */
  VerbName name();

  /** Runs it once for {@code target}; never throws for a run that merely failed. */
  Run run(Target target, Trigger trigger);

  /** What a scheduled run leaves for the log line: outcome, a short summary, the error if any. */
  record Run(Outcome outcome, String summary, String error) {}
}
