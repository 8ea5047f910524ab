package dev.lifeboat.pg;

import java.util.Optional;

/**
 * The comment Lifeboat puts on every database it creates, {@code lifeboat:<kind>:<run>:<name>}: the
 * proof that a database is Lifeboat's to drop. It counts only while the database still has the name
 * it was marked under, so a marked database renamed by anyone (a rename keeps the comment) is no
 * longer droppable.
 *
 * @param kind what Lifeboat made it for, e.g. {@code restore-staging}
 * @param run the run that made it
 * @param database the name it was marked under
 */
public record DatabaseMark(String kind, String run, String database) {

  static final String PREFIX = "lifeboat:";

  public DatabaseMark {
    if (kind.contains(":") || run.contains(":")) {
      throw new IllegalArgumentException("kind and run must not contain ':'");
    }
  }

  /** The comment text. */
  public String text() {
    return PREFIX + kind + ":" + run + ":" + database;
  }

  /** The mark a comment carries, when it is one. */
  public static Optional<DatabaseMark> parse(String comment) {
    if (comment == null || !comment.startsWith(PREFIX)) {
      return Optional.empty();
    }
    String[] parts = comment.substring(PREFIX.length()).split(":", 3);
    if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty() || parts[2].isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new DatabaseMark(parts[0], parts[1], parts[2]));
  }

  /**
   * Whether {@code comment}, found on database {@code name}, marks it as Lifeboat's {@code kind}.
   */
  public static boolean marks(String comment, String name, String kind) {
    return parse(comment)
        .filter(m -> m.kind().equals(kind) && m.database().equals(name))
        .isPresent();
  }
}
