package dev.lifeboat.run;

import dev.lifeboat.base.LifeboatException;

/** A run could not be started or its ending not read (exit 1). */
class RunException extends LifeboatException {

  RunException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public int exitCode() {
    return FAILED;
  }
}
