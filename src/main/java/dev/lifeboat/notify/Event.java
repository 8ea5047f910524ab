package dev.lifeboat.notify;

import dev.lifeboat.run.Outcome;
import dev.lifeboat.run.VerbName;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The name of what happened, for {@code lifeboat.notify.webhooks[].events}: the job's noun and how
 * it ended, e.g. {@code backup-failed}, {@code backup-partial}, {@code drill-passed}, {@code
 * prune-failed}, {@code migration-failed}, {@code data-migration-failed}, {@code restore-failed}.
 */
final class Event {

  /** What a webhook may subscribe to: the verbs that run as jobs, and how a run can end. */
  static final Pattern NAME =
      Pattern.compile(
          Stream.of(
                      VerbName.BACKUP,
                      VerbName.DRILL,
                      VerbName.PRUNE,
                      VerbName.MIGRATE,
                      VerbName.DATA_MIGRATE,
                      VerbName.VERIFY,
                      VerbName.RESTORE)
                  .map(VerbName::noun)
                  .collect(Collectors.joining("|", "(", ")-"))
              + "(succeeded|passed|failed|partial|skipped|stopped)");

  private Event() {}

  /** The event of a job (Spring Batch job name) that ended with {@code outcome}. */
  public static String of(String job, String outcome) {
    VerbName verb = VerbName.of(job);
    String noun = verb == null ? job : verb.noun();
    String ending =
        !Outcome.SUCCESS.word().equals(outcome)
            ? outcome
            : verb == VerbName.DRILL ? "passed" : "succeeded";
    return noun + "-" + ending;
  }

  /** The failure words of {@link Outcome} that the heartbeat reports as a failure. */
  static boolean failure(String outcome) {
    return Outcome.FAILED.word().equals(outcome) || Outcome.PARTIAL.word().equals(outcome);
  }
}
