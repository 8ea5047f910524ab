package dev.lifeboat.run;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
import java.util.Locale;

/**
 * What one {@code migrate apply} did: the migrations it applied, the one that failed (file, line,
 * PostgreSQL's message), and the backups taken around it. {@code status} is {@code applied}, {@code
 * up-to-date}, {@code refused} or {@code failed}.
 */
public record MigrateResult(
    Status status,
    String target,
    Long execution,
    List<Step> migrations,
    Failure failure,
    int pending,
    String error,
    String preBackup,
    String postBackup,
    List<PostCheck> postChecks,
    String undo,
    boolean restored)
    implements Result {

  /** How the apply ended, written as its lower-case word ({@code up-to-date}). */
  public enum Status {
    APPLIED,
    UP_TO_DATE,
    REFUSED,
    FAILED;

    @JsonValue
    public String word() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @JsonCreator
    public static Status of(String word) {
      return valueOf(word.toUpperCase(Locale.ROOT).replace('-', '_'));
    }
  }

  public boolean ok() {
    return status == Status.APPLIED || status == Status.UP_TO_DATE;
  }

  /** Success when applied or up to date (a warning in {@code error} included), else failed. */
  @Override
  public Outcome outcome() {
    return ok() ? Outcome.SUCCESS : Outcome.FAILED;
  }

  /**
   * The status and the versions applied, as a schedule's log line has it: {@code applied [1, 2]}.
   */
  @Override
  public String summary() {
    return status.word()
        + (migrations == null || migrations.isEmpty()
            ? ""
            : " "
                + migrations.stream()
                    .map(Step::version)
                    .collect(java.util.stream.Collectors.joining(", ", "[", "]")));
  }

  /** An apply that applied nothing: refused, failed before it began, or nothing pending. */
  public static MigrateResult notApplied(Status status, String target, int pending, String error) {
    return of(status, target, List.of(), null, pending, error);
  }

  /** A plain apply's result: no execution yet, nothing {@code --safe} adds. */
  public static MigrateResult of(
      Status status,
      String target,
      List<Step> migrations,
      Failure failure,
      int pending,
      String error) {
    return new MigrateResult(
        status,
        target,
        null,
        migrations,
        failure,
        pending,
        error,
        null,
        null,
        List.of(),
        null,
        false);
  }

  public MigrateResult withExecution(long id) {
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
  public MigrateResult safe(
      Status status,
      String error,
      String preBackup,
      String postBackup,
      List<PostCheck> postChecks,
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

  /**
   * A check made after a {@code --safe} apply (the status, each drill assertion on the target),
   * written as one line: {@code ok <name>: <detail>} or {@code FAILED <name>: <detail>}.
   */
  public record PostCheck(String name, boolean ok, String detail) {

    private static final String OK = "ok ";
    private static final String FAILED = "FAILED ";

    @JsonValue
    public String line() {
      return (ok ? OK : FAILED) + name + ": " + detail;
    }

    /** The check a line names, as {@link #line()} writes it. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static PostCheck of(String line) {
      boolean ok = line.startsWith(OK);
      String rest =
          line.substring(ok ? OK.length() : line.startsWith(FAILED) ? FAILED.length() : 0);
      int colon = rest.indexOf(": ");
      return colon < 0
          ? new PostCheck(rest, ok, null)
          : new PostCheck(rest.substring(0, colon), ok, rest.substring(colon + 2));
    }
  }
}
