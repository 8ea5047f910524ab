package dev.lifeboat.catalog;

import dev.lifeboat.base.LifeboatException;

/** The backup a user named does not exist (complete) in any store: a usage error, exit 2. */
class BackupNotFoundException extends LifeboatException {

  public BackupNotFoundException(String message) {
    super(message, null);
  }

  @Override
  public int exitCode() {
    return USAGE;
  }
}
