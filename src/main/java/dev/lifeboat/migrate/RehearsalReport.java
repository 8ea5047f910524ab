package dev.lifeboat.migrate;

import dev.lifeboat.run.MigrateResult;
import java.util.List;

/**
 * What {@code migrate apply --dry-run} found: the plan (pending files with checksum and SQL) and
 * how each migration fared on a scratch copy of the target, with the locks its statements took.
 * {@code status} is {@code passed}, {@code failed}, {@code refused} or {@code up-to-date}. {@code
 * server} says where the copy was (the drill server when the target has one); {@code clusterWide}
 * lists the statements that act on the whole server (roles, database settings), which ran in one
 * transaction from version {@code rolledBackFrom} on that was rolled back at the end; {@code
 * leftovers} is what the rehearsal left on a drill server on purpose (roles its copy needs).
 */
public record RehearsalReport(
    String status,
    String target,
    String server,
    String copy,
    String scratch,
    boolean scratchDropped,
    List<Planned> plan,
    String rolledBackFrom,
    List<String> clusterWide,
    List<Rehearsed> rehearsal,
    List<String> leftovers,
    String error) {

  public static final String PASSED = "passed";
  public static final String FAILED = "failed";

  public boolean ok() {
    return PASSED.equals(status) || MigrateResult.Status.UP_TO_DATE.word().equals(status);
  }

  /** A pending migration as it will run. */
  public record Planned(
      String version,
      String description,
      String script,
      Integer checksum,
      boolean inTransaction,
      String sql) {}

  /** How one migration ran on the scratch copy. */
  public record Rehearsed(
      String version,
      String script,
      boolean ok,
      long millis,
      String error,
      boolean inTransaction,
      List<StatementLocks> statements) {}

  /**
   * One statement and the locks it added to its transaction (from {@code pg_locks}); empty outside
   * a transaction, where locks end with the statement.
   */
  public record StatementLocks(String sql, List<String> locks) {}
}
