package dev.lifeboat.run;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.lifeboat.archive.DrillCheck;
import java.util.List;
import java.util.Locale;

/**
 * What a drill found (CONTRACT §4, {@code drill --json}). {@code restoreSeconds} is the time from
 * the first byte read from a store to the end of pg_restore: the recovery time you would get today.
 * {@code ending} is how a drill that did not pass ended (failed, skipped, stopped), from its
 * execution; it is not part of the report's JSON.
 */
public record DrillReport(
    DrillCheck.Status status,
    String target,
    String backup,
    String database,
    boolean kept,
    String store,
    Double restoreSeconds,
    Double pgRestoreSeconds,
    List<DrillCheck> checks,
    @JsonIgnore Outcome ending)
    implements Result {

  public boolean passed() {
    return status == DrillCheck.Status.PASSED;
  }

  /** The same report, ended {@code how}. */
  public DrillReport endedAs(Outcome how) {
    return new DrillReport(
        status,
        target,
        backup,
        database,
        kept,
        store,
        restoreSeconds,
        pgRestoreSeconds,
        checks,
        how);
  }

  @Override
  public Outcome outcome() {
    if (passed()) {
      return Outcome.SUCCESS;
    }
    return ending == null || ending == Outcome.SUCCESS ? Outcome.FAILED : ending;
  }

  /** "backup ID, restore 12.3s", for the schedule's log line. */
  @Override
  public String summary() {
    return "backup "
        + backup
        + (restoreSeconds == null
            ? ""
            : String.format(Locale.ROOT, ", restore %.1fs", restoreSeconds));
  }

  /** The failed checks, "name: detail; …"; null when none failed. */
  @Override
  public String error() {
    String failed =
        String.join(
            "; ",
            checks == null
                ? List.of()
                : checks.stream()
                    .filter(c -> !c.ok())
                    .map(c -> c.name() + ": " + c.detail())
                    .toList());
    return failed.isEmpty() ? null : failed;
  }
}
