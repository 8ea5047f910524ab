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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private, temporary pgpass file holding one connection's password, so that {@code pg_dump},
 * {@code pg_restore} and {@code psql} never see it in their arguments or environment. The file
 * (mode 0600, in a 0700 directory named after our PID) lives under {@code <lifeboat.home>/run} once
 * {@link #useDirectory} has been called, and is deleted on {@link #close()}; one left behind by a
 * killed process is removed at the next start.
 */
public final class PgPassFile implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PgPassFile.class);

  private static final String PREFIX = "pgpass-";

  // set once at start-up from lifeboat.home; the temporary directory until then (unit tests, demo)
  private static volatile Path directory;

  private final Path dir;
  private final Path file;

  private PgPassFile(Path dir, Path file) {
    this.dir = dir;
    this.file = file;
  }

  /** Writes {@code host:port:*:user:password} for {@code conn}; any database on that server. */
  public static PgPassFile create(PgConnection conn) {
    Path dir = directory;
    return create(conn, dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir")));
  }

  /**
   * Keeps pgpass files under {@code dir} (created 0700) from now on, and removes those in it whose
   * process is gone (a {@code kill -9} leaves them behind).
   */
  public static void useDirectory(Path dir) {
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(
            dir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      removeStale(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot prepare the directory " + dir + " for pgpass files", e);
    }
    directory = dir;
  }

  /** Deletes the pgpass directories under {@code dir} whose owning process no longer runs. */
  static void removeStale(Path dir) throws IOException {
    try (var entries = Files.list(dir)) {
      for (Path entry : entries.toList()) {
        String name = entry.getFileName().toString();
        if (!name.startsWith(PREFIX)) {
          continue;
        }
        String[] parts = name.substring(PREFIX.length()).split("-", 2);
        long pid;
        try {
          pid = Long.parseLong(parts[0]);
        } catch (NumberFormatException e) {
          continue;
        }
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
          continue;
        }
        deleteQuietly(entry);
      }
    }
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
              PREFIX + ProcessHandle.current().pid() + "-",
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
    } catch (IOException e) {
      // a leftover 0600 file in a 0700 directory of our own; nothing better to do
      LOG.debug("could not delete {}: {}", dir, e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "PgPassFile[" + file + "]";
  }
}
