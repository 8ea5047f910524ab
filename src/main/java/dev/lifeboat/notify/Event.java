package dev.lifeboat.notify;

import dev.lifeboat.run.Outcome;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The name of what happened, for {@code lifeboat.notify.webhooks[].events}: the job's noun and how
 * it ended, e.g. {@code backup-failed}, {@code backup-partial}, {@code drill-passed}, {@code
 * prune-failed}, {@code migration-failed}, {@code data-migration-failed}.
 */
public final class Event {

  /** What a webhook may subscribe to. */
  static final Pattern NAME =
      Pattern.compile(
          "(backup|drill|prune|migration|data-migration|verify)-"
              + "(succeeded|passed|failed|partial|skipped|stopped)");

  private static final Map<String, String> NOUNS =
      Map.of("migrate", "migration", "data-migrate", "data-migration");

  private Event() {}

  /** The event of a job (Spring Batch job name) that ended with {@code outcome}. */
  public static String of(String job, String outcome) {
    String noun = NOUNS.getOrDefault(job, job);
    String verb =
        switch (outcome) {
          case "success" -> "drill".equals(job) ? "passed" : "succeeded";
          default -> outcome;
        };
    return noun + "-" + verb;
  }

  /** The failure words of {@link Outcome} that the heartbeat reports as a failure. */
  static boolean failure(String outcome) {
    return Outcome.FAILED.word().equals(outcome) || Outcome.PARTIAL.word().equals(outcome);
  }
}
