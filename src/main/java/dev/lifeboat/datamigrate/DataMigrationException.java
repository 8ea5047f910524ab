package dev.lifeboat.datamigrate;

import dev.lifeboat.base.LifeboatException;

/** A data migration that failed while running (a chunk's SQL, the target): exit 1. */
class DataMigrationException extends LifeboatException {

  public DataMigrationException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public int exitCode() {
    return FAILED;
  }
}
