package dev.lifeboat.config;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Directories only Lifeboat's user may enter ({@code 0700}) and files only it may read ({@code
 * 0600}): {@code lifeboat.home} and the embedded control database's directory. Modes left looser by
 * an older Lifeboat, or by a umask, are tightened; one that cannot be (another user owns it) is a
 * {@link ConfigException} naming the key. On a file system without POSIX modes nothing is done.
 */
public final class PrivateFiles {

  private static final Logger LOG = LoggerFactory.getLogger(PrivateFiles.class);

  static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
  public static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  private PrivateFiles() {}

  /**
   * Creates {@code dir} (and missing parents) {@code 0700}, or tightens an existing one; returns
   * what it tightened (empty when nothing was loose), for a log line.
   */
  public static List<String> directory(Path dir, String key) {
    try {
      create(dir);
    } catch (IOException e) {
      throw new ConfigException(
          key, "cannot create " + dir + " (" + reason(e) + "); check that its parent is writable");
    }
    String was = tighten(dir, DIRECTORY, key, "chmod 700 " + dir);
    return was == null ? List.of() : List.of(dir + " was " + was);
  }

  /** Creates {@code dir} and its missing parents {@code 0700}; an existing one is left as it is. */
  static void create(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIRECTORY));
    } else {
      Files.createDirectories(dir);
    }
  }

  /** Tightens every regular file directly in {@code dir} to {@code 0600}; returns what it did. */
  public static List<String> filesIn(Path dir, String key) {
    List<String> changed = new ArrayList<>();
    if (!posix(dir)) {
      return changed;
    }
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList();
    } catch (IOException e) {
      throw new ConfigException(key, "cannot list " + dir + " (" + reason(e) + ")");
    }
    for (Path file : files) {
      String was = tighten(file, FILE, key, "chmod 600 " + file);
      if (was != null) {
        changed.add(file + " was " + was);
      }
    }
    return changed;
  }

  /**
   * Writes {@code value} into {@code file}, created {@code 0600} beside it and moved into place in
   * one step, so a reader sees the old content or the whole new one.
   */
  public static void write(Path file, String value, String key) {
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.deleteIfExists(temp);
      FileAttribute<?>[] attrs =
          posix(file.getParent())
              ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)}
              : new FileAttribute<?>[0];
      try (FileChannel channel =
          FileChannel.open(
              temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attrs)) {
        channel.write(java.nio.ByteBuffer.wrap(value.getBytes(StandardCharsets.UTF_8)));
        channel.force(true);
      }
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDirectory(file.getParent());
    } catch (IOException e) {
      throw new ConfigException(
          key,
          "cannot write " + file + " (" + reason(e) + "); check that the directory is writable");
    }
  }

  /** Renames in one step (and makes the rename durable), as the last step of a change. */
  public static void move(Path from, Path to, String key) {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDirectory(to.getParent());
    } catch (IOException e) {
      throw new ConfigException(
          key, "cannot rename " + from + " to " + to + " (" + reason(e) + ")");
    }
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      // not every file system lets a directory be opened; the rename itself has happened
      LOG.debug("could not sync directory {}: {}", dir, e.toString());
    }
  }

  /** The mode as {@code chmod} writes it, {@code 0644}. */
  static String octal(Set<PosixFilePermission> permissions) {
    int mode = 0;
    for (PosixFilePermission p : permissions) {
      mode |= 1 << (8 - p.ordinal());
    }
    return String.format(Locale.ROOT, "%04o", mode);
  }

  private static boolean posix(Path path) {
    return path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  /**
   * Sets {@code wanted} when the path grants more; returns the old mode, or null if it was fine.
   */
  private static String tighten(
      Path path, Set<PosixFilePermission> wanted, String key, String fix) {
    // a home given as a symbolic link: its target's mode is what matters
    PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
    if (view == null) {
      return null;
    }
    Set<PosixFilePermission> current;
    try {
      current = view.readAttributes().permissions();
    } catch (IOException e) {
      throw new ConfigException(key, "cannot read the mode of " + path + " (" + reason(e) + ")");
    }
    if (wanted.containsAll(current)) {
      return null;
    }
    try {
      view.setPermissions(wanted);
    } catch (IOException | SecurityException e) {
      throw new ConfigException(
          key,
          path
              + " is mode "
              + octal(current)
              + ", open to other users, and cannot be made "
              + octal(wanted)
              + " ("
              + reason(e)
              + "); run "
              + fix
              + " as its owner");
    }
    return octal(current);
  }

  private static String reason(Exception e) {
    if (e instanceof FileSystemException fse && fse.getReason() != null) {
      return fse.getReason().toLowerCase(Locale.ROOT);
    }
    return e.getClass().getSimpleName();
  }
}
