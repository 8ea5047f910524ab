package dev.lifeboat.run;

import dev.lifeboat.base.LifeboatException;

/**
 * The same job for the same target is running elsewhere (another node, a typed command): this run
 * refuses rather than waits, and a schedule records it as skipped, not failed.
 */
public class TargetBusyException extends LifeboatException {
  /** Whether one of a job's failures (or a cause of one) is this refusal. */
  public static boolean among(java.util.List<Throwable> failures) {
    for (Throwable t : failures) {
      for (Throwable c = t; c != null; c = c.getCause()) {
        if (c instanceof TargetBusyException) {
          return true;
        }
      }
    }
    return false;
  }

  /** The message of the first refusal among a job's failures (or their causes), else null. */
  public static String message(java.util.List<Throwable> failures) {
    for (Throwable t : failures) {
      for (Throwable c = t; c != null; c = c.getCause()) {
        if (c instanceof TargetBusyException) {
          return c.getMessage();
        }
      }
    }
    return null;
  }

  public TargetBusyException(String message) {
    super(message, null);
  }

  @Override
  public int exitCode() {
    return FAILED;
  }
}
