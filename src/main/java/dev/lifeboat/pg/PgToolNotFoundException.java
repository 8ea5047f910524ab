package dev.lifeboat.pg;

import dev.lifeboat.base.LifeboatException;

/** No installed PostgreSQL program fits; the message says which were found and what to install. */
public class PgToolNotFoundException extends LifeboatException {

  public PgToolNotFoundException(String message) {
    super(message, null);
  }

  @Override
  public int exitCode() {
    return FAILED;
  }
}
