package dev.lifeboat.run;

import com.fasterxml.jackson.annotation.JsonCreator;
import dev.lifeboat.base.Word;

/**
 * How a run ended, in the words of {@code lifeboat_job_runs_total{outcome}}, the logs and the
 * history, with its exit code (CONTRACT §3).
 */
public enum Outcome implements Word {
  SUCCESS(0),
  /** Some of it done (a store skipped or unreachable): exit 3. */
  PARTIAL(3),
  FAILED(1),
  /** Not run: the same job for the same target was already running somewhere. */
  SKIPPED(1),
  /** Stopped on request (SIGTERM, {@code JobOperator.stop}); nothing half-done is visible. */
  STOPPED(1);

  private final int exitCode;

  Outcome(int exitCode) {
    this.exitCode = exitCode;
  }

  /** 0 success, 3 partial, 1 failed, skipped or stopped. */
  public int exitCode() {
    return exitCode;
  }

  @JsonCreator
  public static Outcome of(String word) {
    return Word.of(Outcome.class, word);
  }
}
