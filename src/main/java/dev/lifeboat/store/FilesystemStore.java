package dev.lifeboat.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store in a local directory: each key is a file under the root.
 *
 * <p>Writes go to a hidden {@code .<name>.<random>.partial} file beside the target, are fsynced,
 * then renamed over the key, so an object is either absent or whole. Listing skips those files.
 */
final class FilesystemStore implements BackupStore {

  private static final Logger LOG = LoggerFactory.getLogger(FilesystemStore.class);

  private static final String PARTIAL_SUFFIX = ".partial";

  private final String name;
  private final Path root;

  public FilesystemStore(String name, Path root) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a filesystem store needs a name");
    }
    if (root == null) {
      throw new IllegalArgumentException("filesystem store '" + name + "' needs a path");
    }
    this.name = name;
    this.root = root.toAbsolutePath().normalize();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Set<StoreFeature> features() {
    return EnumSet.of(StoreFeature.FREE_SPACE, StoreFeature.ATOMIC_RENAME);
  }

  @Override
  public ObjectUpload upload(String key) {
    return new FileUpload(key, resolve(key));
  }

  @Override
  public void put(String key, byte[] content) {
    ObjectUpload upload = upload(key);
    upload.write(content, 0, content.length);
    upload.commit();
  }

  @Override
  public InputStream open(String key) {
    Path file = resolve(key);
    if (Files.isDirectory(file)) {
      throw notFound(key);
    }
    try {
      return Files.newInputStream(file);
    } catch (NoSuchFileException e) {
      requireRootIsDirectoryIfPresent();
      throw notFound(key);
    } catch (IOException e) {
      throw failure("read", file, e);
    }
  }

  @Override
  public Optional<StoredObject> stat(String key) {
    Path file = resolve(key);
    try {
      BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
      return attrs.isRegularFile()
          ? Optional.of(new StoredObject(key, attrs.size(), attrs.lastModifiedTime().toInstant()))
          : Optional.empty();
    } catch (NoSuchFileException e) {
      requireRootIsDirectoryIfPresent();
      return Optional.empty();
    } catch (IOException e) {
      throw failure("read", file, e);
    }
  }

  @Override
  public List<StoredObject> list(String prefix) {
    StoreKeys.requireValidPrefix(prefix);
    requireRootIsDirectoryIfPresent();
    Path start = root.resolve(prefix.substring(0, prefix.lastIndexOf('/') + 1));
    if (!Files.isDirectory(start)) {
      return List.of();
    }
    List<StoredObject> objects = new ArrayList<>();
    try {
      Files.walkFileTree(
          start,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
              String key = keyOf(file);
              if (attrs.isRegularFile() && !isPartial(file) && key.startsWith(prefix)) {
                objects.add(
                    new StoredObject(key, attrs.size(), attrs.lastModifiedTime().toInstant()));
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
              // A file renamed or deleted while we walk (a commit, a prune) is simply not listed.
              if (e instanceof NoSuchFileException) {
                return FileVisitResult.CONTINUE;
              }
              throw e;
            }
          });
    } catch (IOException e) {
      throw failure("list", start, e);
    }
    return objects;
  }

  @Override
  public void delete(Collection<String> keys) {
    List<String> failed = new ArrayList<>();
    StoreException first = null;
    for (String key : keys) {
      Path file = resolve(key);
      try {
        Files.deleteIfExists(file);
        removeEmptyParents(file.getParent());
      } catch (IOException e) {
        failed.add(key);
        if (first == null) {
          first = failure("delete", file, e);
        }
      }
    }
    if (first != null) {
      throw new StoreException(
          name,
          first.kind(),
          "store '"
              + name
              + "' ("
              + root
              + ") could not delete "
              + failed.size()
              + " of "
              + keys.size()
              + " objects "
              + abbreviate(failed)
              + "; first error: "
              + first.getMessage(),
          first.getCause());
    }
  }

  /**
   * The hidden {@code .*.partial} files under {@code prefix} that writes in progress (or crashed
   * ones) use; {@link #list} never shows them. Keys are relative like every other key.
   */
  public List<StoredObject> partialFiles(String prefix) {
    StoreKeys.requireValidPrefix(prefix);
    Path start = root.resolve(prefix.substring(0, prefix.lastIndexOf('/') + 1));
    if (!Files.isDirectory(start)) {
      return List.of();
    }
    List<StoredObject> found = new ArrayList<>();
    try (var files = Files.walk(start)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        if (isPartial(file) && Files.isRegularFile(file)) {
          try {
            found.add(
                new StoredObject(
                    keyOf(file), Files.size(file), Files.getLastModifiedTime(file).toInstant()));
          } catch (NoSuchFileException e) {
            // committed or aborted meanwhile
          }
        }
      }
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new StoreException(
          name,
          StoreException.Kind.UNAVAILABLE,
          "store '" + name + "' (" + root + ") could not list temporary files: " + e.getMessage(),
          e);
    }
    return found;
  }

  @Override
  public List<Leftover> leftovers(String prefix) {
    return partialFiles(prefix).stream()
        .map(p -> new Leftover(Leftover.Kind.PARTIAL_FILE, p.key(), null, p.lastModified()))
        .toList();
  }

  @Override
  public void removeLeftover(Leftover leftover) {
    if (leftover.kind() != Leftover.Kind.PARTIAL_FILE) {
      BackupStore.super.removeLeftover(leftover);
    }
    deletePartial(leftover.key());
  }

  /** Deletes one {@code .*.partial} file found by {@link #partialFiles}; a gone one is fine. */
  public void deletePartial(String key) {
    StoreKeys.requireValidKey(key);
    Path file = root.resolve(key).normalize();
    if (!file.startsWith(root) || !isPartial(file)) {
      throw new IllegalArgumentException("'" + key + "' is not a temporary file of this store");
    }
    try {
      Files.deleteIfExists(file);
      removeEmptyParents(file.getParent());
    } catch (IOException e) {
      throw failure("delete", file, e);
    }
  }

  @Override
  public void probe() {
    Path existing = root;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null || !Files.isDirectory(existing) || !Files.isWritable(existing)) {
      throw new StoreException(
          name,
          StoreException.Kind.UNAVAILABLE,
          "store '"
              + name
              + "': "
              + root
              + (Files.isDirectory(root)
                  ? " is not writable"
                  : " does not exist and cannot be created")
              + " by this user");
    }
  }

  @Override
  public OptionalLong freeBytes() {
    Path existing = root;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Files.getFileStore(existing).getUsableSpace());
    } catch (IOException e) {
      return OptionalLong.empty();
    }
  }

  @Override
  public OptionalLong totalBytes() {
    Path existing = root;
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    try {
      return existing == null
          ? OptionalLong.empty()
          : OptionalLong.of(Files.getFileStore(existing).getTotalSpace());
    } catch (IOException e) {
      return OptionalLong.empty();
    }
  }

  @Override
  public String describe() {
    return root.toString();
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return "FilesystemStore[" + name + " at " + root + "]";
  }

  private Path resolve(String key) {
    StoreKeys.requireValidKey(key);
    Path file = root.resolve(key).normalize();
    if (!file.startsWith(root) || file.equals(root)) {
      throw new IllegalArgumentException("store key '" + key + "' escapes the store's directory");
    }
    if (isPartial(file)) {
      throw new IllegalArgumentException(
          "store key '" + key + "' looks like a temporary file (.*.partial); choose another name");
    }
    return file;
  }

  private String keyOf(Path file) {
    Path relative = root.relativize(file);
    StringBuilder key = new StringBuilder();
    for (Path part : relative) {
      if (key.length() > 0) {
        key.append('/');
      }
      key.append(part);
    }
    return key.toString();
  }

  private static boolean isPartial(Path file) {
    String fileName = file.getFileName().toString();
    return fileName.startsWith(".") && fileName.endsWith(PARTIAL_SUFFIX);
  }

  private void requireRootIsDirectoryIfPresent() {
    if (Files.exists(root) && !Files.isDirectory(root)) {
      throw new StoreException(
          name,
          StoreException.Kind.ACCESS_DENIED,
          "store '"
              + name
              + "' path "
              + root
              + " is not a directory; point lifeboat.stores."
              + name
              + ".path at a directory");
    }
  }

  private void createDirectories(Path dir) {
    requireRootIsDirectoryIfPresent();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw failure("create directory", dir, e);
    }
  }

  private void removeEmptyParents(Path dir) {
    while (dir != null && dir.startsWith(root) && !dir.equals(root)) {
      try {
        Files.delete(dir);
      } catch (DirectoryNotEmptyException | NoSuchFileException e) {
        return;
      } catch (IOException e) {
        return; // an empty directory left behind is harmless
      }
      dir = dir.getParent();
    }
  }

  private StoreException notFound(String key) {
    return new StoreException(
        name,
        StoreException.Kind.NOT_FOUND,
        "store '" + name + "' (" + root + ") has no object '" + key + "'");
  }

  private StoreException failure(String action, Path path, IOException e) {
    String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (e instanceof FileSystemException fse && fse.getReason() != null) {
      reason = fse.getReason();
    }
    String where = "store '" + name + "' (" + root + ")";
    if (reason.contains("No space left on device") || reason.contains("Disk quota exceeded")) {
      return new StoreException(
          name,
          StoreException.Kind.NO_SPACE,
          where
              + " ran out of space writing "
              + path
              + ": "
              + reason
              + "; free space on that disk or point the store elsewhere",
          e);
    }
    if (e instanceof AccessDeniedException
        || reason.contains("Permission denied")
        || reason.contains("Read-only file system")) {
      return new StoreException(
          name,
          StoreException.Kind.ACCESS_DENIED,
          where
              + " may not "
              + action
              + " "
              + path
              + ": "
              + reason
              + "; make the directory writable by user '"
              + System.getProperty("user.name")
              + "'",
          e);
    }
    if (reason.contains("Not a directory") || e instanceof FileAlreadyExistsException) {
      return new StoreException(
          name,
          StoreException.Kind.ACCESS_DENIED,
          where
              + " cannot "
              + action
              + " "
              + path
              + " because a file stands where a directory is needed; move that file away",
          e);
    }
    return new StoreException(
        name,
        StoreException.Kind.OTHER,
        where + " failed to " + action + " " + path + ": " + reason,
        e);
  }

  private static String abbreviate(List<String> keys) {
    return keys.size() <= 5
        ? keys.toString()
        : keys.subList(0, 5) + " and " + (keys.size() - 5) + " more";
  }

  /** One streamed write into a hidden temporary file, renamed over the key on commit. */
  private final class FileUpload implements ObjectUpload {

    private final String key;
    private final Path target;
    private final Path temp;
    private FileChannel channel;
    private boolean open = true;

    FileUpload(String key, Path target) {
      this.key = key;
      this.target = target;
      Path dir = target.getParent();
      createDirectories(dir);
      try {
        this.temp = Files.createTempFile(dir, "." + target.getFileName() + ".", PARTIAL_SUFFIX);
      } catch (IOException e) {
        throw failure("create a temporary file in", dir, e);
      }
      try {
        this.channel = FileChannel.open(temp, StandardOpenOption.WRITE);
      } catch (IOException e) {
        abort();
        throw failure("write", temp, e);
      }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      requireOpen();
      try {
        ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
      } catch (IOException e) {
        abort();
        throw failure("write", target, e);
      }
    }

    @Override
    public void commit() {
      requireOpen();
      try {
        channel.force(true);
        channel.close();
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        open = false;
      } catch (IOException e) {
        abort();
        throw failure("write", target, e);
      }
      syncDirectory(target.getParent());
    }

    @Override
    public void abort() {
      if (!open) {
        return;
      }
      open = false;
      try {
        channel.close();
      } catch (IOException | RuntimeException e) {
        // nothing more to do: the file is removed next
        LOG.debug("could not close {}: {}", temp, e.toString());
      }
      try {
        Files.deleteIfExists(temp);
        removeEmptyParents(temp.getParent()); // an aborted backup leaves no empty <target>/<id>/
      } catch (IOException | RuntimeException e) {
        // a leftover .partial file is never listed and is overwritten by nothing
        LOG.debug("could not delete {}: {}", temp, e.toString());
      }
    }

    private void requireOpen() {
      if (!open) {
        throw new IllegalStateException(
            "upload of '" + key + "' to store '" + name + "' is already committed or aborted");
      }
    }
  }

  private static void syncDirectory(Path dir) {
    // Makes the rename itself durable; not every platform can open a directory, so best effort.
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      // the data file itself is already synced
      LOG.debug("could not sync directory {}: {}", dir, e.toString());
    }
  }
}
