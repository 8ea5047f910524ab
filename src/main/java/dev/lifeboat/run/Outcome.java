package dev.lifeboat.run;

import java.util.Locale;

/** How a run ended, in the words of {@code lifeboat_job_runs_total{outcome}} and the logs. */
public enum Outcome {
  SUCCESS,
  PARTIAL,
  FAILED,
  /** Not run: the same job for the same target was already running somewhere. */
  SKIPPED,
  /** Stopped on request (SIGTERM, {@code JobOperator.stop}); nothing half-done is visible. */
  STOPPED;

  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }
}
