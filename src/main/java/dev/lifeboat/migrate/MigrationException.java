package dev.lifeboat.migrate;

import dev.lifeboat.LifeboatException;

/** A migration that failed, or an apply refused because of a problem; exit 1. */
public final class MigrationException extends LifeboatException {

  MigrationException(String message) {
    super(message, null);
  }

  MigrationException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public int exitCode() {
    return FAILED;
  }
}
