package dev.lifeboat.restore;

import dev.lifeboat.base.LifeboatException;

/** A restore or drill could not go on; the message says why and that the target is untouched. */
class RestoreException extends LifeboatException {

  RestoreException(String message) {
    this(message, (Throwable) null);
  }

  RestoreException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public int exitCode() {
    return FAILED;
  }
}
