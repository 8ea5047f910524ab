package dev.lifeboat.pg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

/**
 * A private, temporary pgpass file holding one connection's password, so that {@code pg_dump},
 * {@code pg_restore} and {@code psql} never see it in their arguments or environment. The file
 * (mode 0600, in a 0700 directory) is deleted on {@link #close()}.
 */
public final class PgPassFile implements AutoCloseable {

  private final Path dir;
  private final Path file;

  private PgPassFile(Path dir, Path file) {
    this.dir = dir;
    this.file = file;
  }

  /** Writes {@code host:port:*:user:password} for {@code conn}; any database on that server. */
  public static PgPassFile create(PgConnection conn) {
    return create(conn, Path.of(System.getProperty("java.io.tmpdir")));
  }

  static PgPassFile create(PgConnection conn, Path parent) {
    String password = conn.password() == null ? "" : conn.password();
    if (password.indexOf('\n') >= 0 || password.indexOf('\r') >= 0) {
      throw new IllegalArgumentException(
          "the password for user " + conn.user() + " contains a line break; pgpass cannot hold it");
    }
    String line =
        escape(conn.host())
            + ":"
            + conn.port()
            + ":*:"
            + escape(conn.user())
            + ":"
            + escape(password)
            + "\n";
    Path dir = null;
    try {
      dir =
          Files.createTempDirectory(
              parent,
              "lifeboat-pgpass-",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Path file = dir.resolve("pgpass");
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, line, StandardCharsets.UTF_8, StandardOpenOption.WRITE);
      return new PgPassFile(dir, file);
    } catch (IOException e) {
      deleteQuietly(dir);
      throw new UncheckedIOException("cannot write a temporary pgpass file under " + parent, e);
    }
  }

  /** Escapes ':' and '\' as pgpass requires. */
  static String escape(String field) {
    return field.replace("\\", "\\\\").replace(":", "\\:");
  }

  public Path path() {
    return file;
  }

  /**
   * What a PostgreSQL program's environment needs: {@code PGPASSFILE} set, and a {@code PGPASSWORD}
   * inherited from our own environment removed (it would win over the file).
   */
  public Map<String, String> environment() {
    Map<String, String> env = new HashMap<>();
    env.put("PGPASSFILE", file.toString());
    env.put("PGPASSWORD", null);
    return env;
  }

  @Override
  public void close() {
    deleteQuietly(dir);
  }

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try {
      Files.deleteIfExists(dir.resolve("pgpass"));
      Files.deleteIfExists(dir);
    } catch (IOException ignored) {
      // a leftover 0600 file in a 0700 directory of our own; nothing better to do
    }
  }

  @Override
  public String toString() {
    return "PgPassFile[" + file + "]";
  }
}
