package dev.lifeboat.wal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Makes pg_receivewal start at a segment Lifeboat chose (plan §2.3 step 6): pg_receivewal starts at
 * the beginning of the highest {@code .partial} in its directory and does not look at its size when
 * it is empty, so an empty directory plus a 0-byte {@code <segment>.partial} means "stream from the
 * start of that segment, on its timeline". Whatever streamed before is deleted: the slot keeps that
 * WAL on the server until a store holds it.
 */
final class Seed {

  private static final Pattern SEGMENT = Pattern.compile("[0-9A-F]{24}");

  // what pg_receivewal writes and reads back in its directory: segments (maybe compressed),
  // partials, timeline histories; anything else there is not ours and stays
  private static final Pattern STREAMED =
      Pattern.compile("[0-9A-F]{24}(\\.gz|\\.lz4)?(\\.partial)?|[0-9A-F]{8}\\.history");

  private Seed() {}

  /**
   * Empties {@code stream} (created 0700 if missing) of every WAL file, then writes the 0-byte
   * {@code <segment>.partial}; returns its path.
   *
   * @param segment a WAL file name, 24 upper-case hex digits ({@code 000000010000000000000003})
   */
  static Path plant(Path stream, String segment) throws IOException {
    if (!SEGMENT.matcher(segment).matches()) {
      throw new IllegalArgumentException(
          "'" + segment + "' is not a WAL segment name (24 upper-case hex digits)");
    }
    if (!Files.isDirectory(stream)) {
      Files.createDirectories(
          stream,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    for (Path old : streamed(stream)) {
      Files.deleteIfExists(old);
    }
    Path seed = stream.resolve(segment + ".partial");
    Files.createFile(seed);
    return seed;
  }

  /** The WAL files in {@code stream}, by name. */
  static List<Path> streamed(Path stream) throws IOException {
    List<Path> found = new ArrayList<>();
    try (var entries = Files.list(stream)) {
      for (Path p : entries.sorted().toList()) {
        if (STREAMED.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p)) {
          found.add(p);
        }
      }
    }
    return found;
  }
}
