package dev.lifeboat.pg;

/**
 * Server and driver messages as one line for the user (pgjdbc appends Where/Hint/Position lines).
 */
public final class PgErrors {

  private PgErrors() {}

  public static String firstLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("");
  }
}
