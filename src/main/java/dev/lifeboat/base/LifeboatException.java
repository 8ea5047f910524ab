package dev.lifeboat.base;

/**
 * What Lifeboat throws for a failure it can explain: the message is one sentence for the user, and
 * the exception carries its exit code (CONTRACT §3), mapped to the process's exit in one place (the
 * launcher). Anything else is a bug and exits 1 with its class named.
 */
public abstract class LifeboatException extends RuntimeException {

  public static final int FAILED = 1;
  public static final int USAGE = 2;

  protected LifeboatException(String message, Throwable cause) {
    super(message, cause);
  }

  /** 1: the job failed; 2: bad usage or configuration, nothing changed. */
  public abstract int exitCode();
}
