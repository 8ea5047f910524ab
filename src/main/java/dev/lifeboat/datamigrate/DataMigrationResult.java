package dev.lifeboat.datamigrate;

/**
 * What one {@code run} (or {@code resume}) did: the state it left, rows and chunks of this run,
 * overall progress, rows above the kept maximum key, the error of a failed chunk.
 */
public record DataMigrationResult(
    String name,
    String target,
    DataMigrationState state,
    long rows,
    long chunks,
    double seconds,
    double rowsPerSecond,
    double progressRatio,
    Long rowsAboveMaxKey,
    String error) {

  /** 0 completed, 1 failed, 3 paused, cancelled or stopped before the end. */
  public int exitCode() {
    return switch (state) {
      case COMPLETED -> 0;
      case FAILED -> 1;
      default -> 3;
    };
  }
}
