package dev.lifeboat.drill;

import java.util.List;

/**
 * What a drill found (CONTRACT §4, {@code drill --json}). {@code restoreSeconds} is the time from
 * the first byte read from a store to the end of pg_restore: the recovery time you would get today.
 */
public record DrillReport(
    String status,
    String target,
    String backup,
    String database,
    boolean kept,
    String store,
    Double restoreSeconds,
    Double pgRestoreSeconds,
    List<DrillCheck> checks) {

  public static final String PASSED = "passed";
  public static final String FAILED = "failed";

  public boolean passed() {
    return PASSED.equals(status);
  }
}
