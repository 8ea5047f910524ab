package dev.lifeboat.pg;

import dev.lifeboat.base.LifeboatException;
import java.util.List;

/**
 * A PostgreSQL program ended badly. The message is one line: what failed, how, and the program's
 * own last meaningful complaint ({@code pg_dump failed (exit 1): connection … failed: …}).
 */
public class PgToolException extends LifeboatException {

  /** The program could not be started (missing, not executable) or talking to it failed. */
  public static final int NOT_STARTED = -1;

  /** The program outlived its time limit and was destroyed. */
  public static final int TIMED_OUT = -2;

  private final String tool;
  private final int exitCode;
  private final String stderrTail;

  public PgToolException(String tool, int exitCode, String stderrTail) {
    super(describe(tool, exitCode, stderrTail), null);
    this.tool = tool;
    this.exitCode = exitCode;
    this.stderrTail = stderrTail == null ? "" : stderrTail;
  }

  /** With a message of the caller's, naming more than the program can (target, server, hint). */
  PgToolException(String tool, int exitCode, String stderrTail, String message) {
    super(message, null);
    this.tool = tool;
    this.exitCode = exitCode;
    this.stderrTail = stderrTail == null ? "" : stderrTail;
  }

  public String tool() {
    return tool;
  }

  /** The program's own exit code, or {@link #TIMED_OUT} / {@link #NOT_STARTED}. */
  public int toolExitCode() {
    return exitCode;
  }

  /** The end of the program's stderr, for logs; the message holds only its last meaningful line. */
  public String stderrTail() {
    return stderrTail;
  }

  static String describe(String tool, int exitCode, String stderrTail) {
    String line = lastMeaningfulLine(tool, stderrTail);
    return tool + " " + outcome(tool, exitCode) + (line.isEmpty() ? "" : ": " + line);
  }

  /** The exit codes, mapped explicitly; anything unknown is reported as a plain failure. */
  static String outcome(String tool, int exitCode) {
    if (exitCode == NOT_STARTED) {
      return "could not be run";
    }
    if (exitCode == TIMED_OUT) {
      return "timed out";
    }
    if (exitCode > 128 && exitCode < 128 + 65) {
      return "was killed by signal " + (exitCode - 128) + " (exit " + exitCode + ")";
    }
    if ("psql".equals(tool) && exitCode == 2) {
      return "lost or could not open its connection (exit 2)";
    }
    if ("psql".equals(tool) && exitCode == 3) {
      return "failed in its script (exit 3)";
    }
    return "failed (exit " + exitCode + ")";
  }

  /**
   * The last line saying what went wrong: the last {@code error:}/{@code FATAL:} line if any, else
   * the last non-blank one; the {@code tool: error: } prefix is dropped.
   */
  static String lastMeaningfulLine(String tool, String stderrTail) {
    if (stderrTail == null || stderrTail.isBlank()) {
      return "";
    }
    List<String> lines = stderrTail.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    String chosen = lines.get(lines.size() - 1);
    // the server's own words first: a parallel pg_restore ends on "a worker process died
    // unexpectedly"
    boolean found = false;
    for (int i = lines.size() - 1; i >= 0 && !found; i--) {
      String l = lines.get(i);
      if (l.contains("FATAL:") || l.contains("ERROR:")) {
        chosen = l;
        found = true;
      }
    }
    for (int i = lines.size() - 1; i >= 0 && !found; i--) {
      String l = lines.get(i);
      if (l.contains("error:")) {
        chosen = l;
        found = true;
      }
    }
    for (String prefix : List.of(tool + ": error: ", tool + ": ")) {
      if (chosen.startsWith(prefix)) {
        chosen = chosen.substring(prefix.length());
        break;
      }
    }
    chosen = chosen.replaceAll("\\s+", " ");
    return chosen.length() > 500 ? chosen.substring(0, 500) + "…" : chosen;
  }

  @Override
  public int exitCode() {
    return FAILED;
  }
}
