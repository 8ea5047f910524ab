package dev.lifeboat.backup;

import dev.lifeboat.base.LifeboatException;

/** A backup could not be taken; the message says why in one sentence. */
class BackupException extends LifeboatException {

  public BackupException(String message) {
    super(message, null);
  }

  public BackupException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public int exitCode() {
    return FAILED;
  }
}
