package dev.lifeboat.run;

import dev.lifeboat.LifeboatException;

/**
 * The same job for the same target is running elsewhere (another node, a typed command): this run
 * refuses rather than waits, and a schedule records it as skipped, not failed.
 */
public class TargetBusyException extends LifeboatException {
  public TargetBusyException(String message) {
    super(message, null);
  }

  @Override
  public int exitCode() {
    return FAILED;
  }
}
