package dev.lifeboat.migrate;

import dev.lifeboat.base.LifeboatException;

/**
 * A migration that failed, or an apply refused because of a problem (exit 1); or a rehearsal
 * refused before it touched anything, for a statement it cannot keep to its scratch copy (exit 2).
 */
final class MigrationException extends LifeboatException {

  private final int exitCode;

  MigrationException(String message) {
    this(message, null);
  }

  MigrationException(String message, Throwable cause) {
    this(message, cause, FAILED);
  }

  private MigrationException(String message, Throwable cause, int exitCode) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  /** Refused before anything was done: exit 2. */
  static MigrationException refused(String message) {
    return new MigrationException(message, null, USAGE);
  }

  @Override
  public int exitCode() {
    return exitCode;
  }
}
