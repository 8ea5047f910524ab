package dev.lifeboat.drill;

/** A drill could not run (another drill holds the server, the drill server is unreachable). */
public class DrillException extends RuntimeException {

  public DrillException(String message) {
    super(message);
  }

  public DrillException(String message, Throwable cause) {
    super(message, cause);
  }
}
