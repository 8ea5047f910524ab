package dev.lifeboat.datamigrate;

import java.time.Instant;
import java.util.List;

/**
 * One data migration as {@code status} shows it: state, how far (keys and rows), the rate of the
 * latest run, the last error, and the rows added above the kept maximum key after the start.
 */
public record DataMigrationStatus(
    String name,
    String target,
    String table,
    String key,
    String state,
    String requested,
    Long minKey,
    Long maxKey,
    long rows,
    long chunks,
    double progressRatio,
    Double rowsPerSecond,
    String lastError,
    Long rowsAboveMaxKey,
    Instant startedAt,
    Instant updatedAt,
    List<Partition> partitions) {

  /** One key-range partition: {@code [from, to)}, done up to {@code next}. */
  public record Partition(int partition, long from, long to, long next, long rows, long chunks) {}
}
