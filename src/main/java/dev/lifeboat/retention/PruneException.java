package dev.lifeboat.retention;

import dev.lifeboat.base.LifeboatException;

/** The prune job could not run at all (exit 1). */
final class PruneException extends LifeboatException {

  PruneException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public int exitCode() {
    return 1;
  }
}
