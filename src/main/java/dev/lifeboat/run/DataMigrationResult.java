package dev.lifeboat.run;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * What one {@code run} (or {@code resume}) did: the state it left, rows and chunks of this run,
 * overall progress, rows above the kept maximum key, the error of a failed chunk.
 */
public record DataMigrationResult(
    String name,
    String target,
    State state,
    long rows,
    long chunks,
    double seconds,
    double rowsPerSecond,
    double progressRatio,
    Long rowsAboveMaxKey,
    String error)
    implements Result {

  /** Where a data migration stands, as kept in the target's {@code lifeboat.data_migration}. */
  public enum State {
    /** No spec run yet, or nothing recorded on the target. */
    PENDING,
    RUNNING,
    /** Paused on request; {@code resume} continues it. */
    PAUSED,
    /** The process running it stopped (SIGTERM, Ctrl-C) or died; {@code run} continues it. */
    STOPPED,
    /** A chunk failed; fix the SQL and {@code run} again continues at that chunk. */
    FAILED,
    COMPLETED,
    /** Cancelled for good; its history stays. */
    CANCELLED;

    /** The lower-case word the progress table and {@code --json} hold. */
    @JsonValue
    public String word() {
      return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static State of(String word) {
      return word == null ? PENDING : valueOf(word.toUpperCase(Locale.ROOT));
    }
  }

  /**
   * Failed only when a chunk failed: a paused, cancelled or stopped run did what it was asked, as
   * its job's history has always said ({@link #exitCode()} still tells it apart).
   */
  @Override
  public Outcome outcome() {
    return state == State.FAILED ? Outcome.FAILED : Outcome.SUCCESS;
  }

  /** 0 completed, 1 failed, 3 paused, cancelled or stopped before the end. */
  @Override
  public int exitCode() {
    return switch (state) {
      case COMPLETED -> 0;
      case FAILED -> 1;
      default -> 3;
    };
  }

  @Override
  public String summary() {
    return String.format(
        Locale.ROOT,
        "data migration %s %s, %.1f%% of keys done; this run %d rows in %d chunks",
        name,
        state.word(),
        progressRatio * 100,
        rows,
        chunks);
  }
}
