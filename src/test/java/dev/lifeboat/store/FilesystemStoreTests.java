package dev.lifeboat.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilesystemStoreTests extends BackupStoreContractTests {

  @TempDir Path temp;

  private Path root;

  @Override
  protected BackupStore newStore() {
    root = temp.resolve("backups");
    return new FilesystemStore("local", root);
  }

  @Override
  protected BackupStore unreachableStore() throws IOException {
    Path file = Files.writeString(temp.resolve("not-a-directory"), "x");
    return new FilesystemStore("gone", file.resolve("backups"));
  }

  @Override
  protected int partSizeBytes() {
    return 1024 * 1024; // the filesystem has no parts; a small size keeps the contract fast
  }

  @Test
  void anObjectIsAFileUnderTheRootAtItsKey() throws IOException {
    store.put("app/20261125T020000Z/manifest.json", bytes(4));

    assertThat(root.resolve("app/20261125T020000Z/manifest.json")).hasBinaryContent(bytes(4));
    assertThat(filesUnder(root))
        .containsExactly(root.resolve("app/20261125T020000Z/manifest.json"));
  }

  @Test
  void anUploadInProgressIsOnlyAHiddenPartialFileThatListingSkips() throws IOException {
    ObjectUpload upload = store.upload("app/1/dump");
    upload.write(bytes(10), 0, 10);

    assertThat(filesUnder(root))
        .singleElement()
        .satisfies(
            file ->
                assertThat(file.getFileName().toString())
                    .startsWith(".dump.")
                    .endsWith(".partial"));
    assertThat(store.list("")).isEmpty();

    upload.commit();
    assertThat(filesUnder(root)).containsExactly(root.resolve("app/1/dump"));
  }

  @Test
  void anAbortedUploadRemovesItsTemporaryFile() throws IOException {
    ObjectUpload upload = store.upload("app/1/dump");
    upload.write(bytes(10), 0, 10);

    upload.abort();

    assertThat(filesUnder(root)).isEmpty();
  }

  @Test
  void theRootIsCreatedOnFirstWrite() {
    assertThat(root).doesNotExist();
    assertThat(store.list("")).isEmpty();

    store.put("app/1/dump", bytes(1));

    assertThat(root).isDirectory();
  }

  @Test
  void deletingTheLastObjectsOfABackupRemovesItsEmptyDirectories() {
    store.put("app/1/dump", bytes(1));
    store.put("app/2/dump", bytes(1));

    store.delete(List.of("app/1/dump"));

    assertThat(root.resolve("app/1")).doesNotExist();
    assertThat(root.resolve("app/2")).isDirectory();
    assertThat(root).isDirectory();
  }

  @Test
  void keysThatLookLikeTemporaryFilesAreRefused() {
    assertThatThrownBy(() -> store.put("app/1/.dump.123.partial", bytes(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aRootThatIsAFileIsReportedAsAccessDeniedNamingThePath() throws IOException {
    Files.writeString(root, "not a directory");

    for (Runnable action :
        List.<Runnable>of(() -> store.put("app/1/dump", bytes(1)), () -> store.list("app/"))) {
      assertThatThrownBy(action::run)
          .isInstanceOfSatisfying(
              StoreException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(StoreException.Kind.ACCESS_DENIED);
                assertThat(e.getMessage())
                    .contains("'local'")
                    .contains(root.toString())
                    .contains("not a directory");
              });
    }
  }

  @Test
  void aRootWithoutWritePermissionIsReportedAsAccessDenied() throws IOException {
    assumeFalse(
        "root".equals(System.getProperty("user.name")),
        "root may write anywhere, so permissions cannot be tested as root");
    Files.createDirectories(root);
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("r-xr-xr-x"));
    try {
      assertThatThrownBy(() -> store.put("app/1/dump", bytes(1)))
          .isInstanceOfSatisfying(
              StoreException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(StoreException.Kind.ACCESS_DENIED);
                assertThat(e.getMessage()).contains("'local'").contains(root.toString());
              });
    } finally {
      Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  @Test
  void freeBytesReportsTheUsableSpaceEvenBeforeTheRootExists() {
    assertThat(store.features()).contains(StoreFeature.FREE_SPACE, StoreFeature.ATOMIC_RENAME);
    assertThat(store.freeBytes()).isPresent();
    assertThat(store.freeBytes().getAsLong()).isPositive();
  }

  @Test
  void aFullDiskIsReportedAsNoSpaceNamingTheStoreAndPathAndLeavesNothingBehind() throws Exception {
    Path small = Files.createDirectories(temp.resolve("small"));
    assumeTrue(
        run("mount", "-t", "tmpfs", "-o", "size=1m", "lifeboat-test", small.toString()),
        "cannot mount a 1 MiB tmpfs here (needs root and mount rights)");
    try (FilesystemStore tiny = new FilesystemStore("tiny", small.resolve("backups"))) {
      ObjectUpload upload = tiny.upload("app/1/dump");
      byte[] chunk = bytes(256 * 1024);

      assertThatThrownBy(
              () -> {
                for (int i = 0; i < 16; i++) {
                  upload.write(chunk, 0, chunk.length);
                }
                upload.commit();
              })
          .isInstanceOfSatisfying(
              StoreException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(StoreException.Kind.NO_SPACE);
                assertThat(e.getMessage())
                    .contains("'tiny'")
                    .contains(small.resolve("backups/app/1/dump").toString())
                    .contains("No space left on device");
              });
      assertThat(filesUnder(small)).isEmpty();
      assertThat(tiny.freeBytes().getAsLong()).isPositive();
    } finally {
      if (!run("umount", small.toString())) {
        run("umount", "-l", small.toString());
      }
    }
  }

  private static List<Path> filesUnder(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).toList();
    }
  }

  private static boolean run(String... command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      process.getInputStream().readAllBytes();
      return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
