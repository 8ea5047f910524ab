package dev.lifeboat.pg;

/**
 * Server and driver messages as one line for the user (pgjdbc appends Where/Hint/Position lines).
 */
public final class PgErrors {

  private PgErrors() {}

  /** The first line of the innermost cause's message (its class name when it has none). */
  public static String rootCause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage();
    return m == null ? root.getClass().getSimpleName() : firstLine(m);
  }

  public static String firstLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("");
  }
}
