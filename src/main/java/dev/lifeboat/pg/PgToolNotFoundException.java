package dev.lifeboat.pg;

/** No installed PostgreSQL program fits; the message says which were found and what to install. */
public class PgToolNotFoundException extends RuntimeException {

  public PgToolNotFoundException(String message) {
    super(message);
  }
}
