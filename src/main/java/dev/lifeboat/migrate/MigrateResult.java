package dev.lifeboat.migrate;

import java.util.List;

/**
 * What one {@code migrate apply} did: the migrations it applied, the one that failed (file, line,
 * PostgreSQL's message), and the backups taken around it. {@code status} is {@code applied}, {@code
 * up-to-date}, {@code refused} or {@code failed}.
 */
public record MigrateResult(
    String status,
    String target,
    Long execution,
    List<Step> migrations,
    Failure failure,
    int pending,
    String error,
    String preBackup,
    String postBackup,
    List<String> postChecks,
    String undo,
    boolean restored) {

  public static final String APPLIED = "applied";
  public static final String UP_TO_DATE = "up-to-date";
  public static final String REFUSED = "refused";
  public static final String FAILED = "failed";

  public boolean ok() {
    return APPLIED.equals(status) || UP_TO_DATE.equals(status);
  }

  MigrateResult withExecution(long id) {
    return new MigrateResult(
        status,
        target,
        id,
        migrations,
        failure,
        pending,
        error,
        preBackup,
        postBackup,
        postChecks,
        undo,
        restored);
  }

  /** The same result with what {@code --safe} added around it. */
  MigrateResult safe(
      String status,
      String error,
      String preBackup,
      String postBackup,
      List<String> postChecks,
      String undo,
      boolean restored) {
    return new MigrateResult(
        status,
        target,
        execution,
        migrations,
        failure,
        pending,
        error,
        preBackup,
        postBackup,
        postChecks,
        undo,
        restored);
  }

  /** One migration applied by this run. */
  public record Step(String version, String description, String script, long millis) {}

  /** The migration that failed: rolled back when it ran in a transaction. */
  public record Failure(
      String version, String script, Integer line, String message, boolean rolledBack) {}
}
