package dev.lifeboat.migrate;

import java.util.List;

/**
 * Where a target's versioned migrations stand: what Flyway's history table says was applied, what
 * the directory holds that is not yet, and every disagreement between the two.
 */
public record MigrationStatus(
    String target,
    String dir,
    String historyTable,
    List<Applied> applied,
    List<Pending> pending,
    List<Problem> problems) {

  /** True when nothing stands in the way of {@code migrate apply}. */
  public boolean clean() {
    return problems.isEmpty();
  }

  /** One row of the history table. */
  public record Applied(
      String version,
      String description,
      String script,
      Integer checksum,
      String installedOn,
      String installedBy,
      Integer executionMillis,
      boolean success) {}

  /** A file not yet applied. */
  public record Pending(String version, String description, String script, Integer checksum) {}

  /** Why apply refuses, and what to do about it. */
  public record Problem(Kind kind, String version, String script, String detail, String fix) {}

  /** What kind of problem. */
  public enum Kind {
    CHECKSUM_CHANGED,
    MISSING_FILE,
    FAILED,
    OUT_OF_ORDER
  }
}
