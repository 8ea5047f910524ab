package dev.lifeboat.drill;

import dev.lifeboat.base.LifeboatException;

/** A drill could not run (another drill holds the server, the drill server is unreachable). */
class DrillException extends LifeboatException {

  public DrillException(String message) {
    super(message, null);
  }

  public DrillException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public int exitCode() {
    return FAILED;
  }
}
