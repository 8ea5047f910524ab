package dev.lifeboat.archive;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchiveFetcherTests {

  @TempDir Path dir;

  @Test
  void theSpoolDirectoryAndItsFilesAreReadableByTheOwnerAlone() throws Exception {
    Path spool = dir.resolve("home/spool");

    ArchiveFetcher.createPrivateDirectory(spool);
    try (OutputStream out = ArchiveFetcher.createPrivateFile(spool.resolve("a.pgdump.partial"))) {
      out.write(1);
    }

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(spool)))
        .isEqualTo("rwx------");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(spool.resolve("a.pgdump.partial"))))
        .isEqualTo("rw-------");
  }

  @Test
  void aSpoolFileIsNeverWrittenThroughALinkPlantedInItsPlace() throws Exception {
    Path elsewhere = Files.writeString(dir.resolve("elsewhere"), "keep");
    Path planted = Files.createSymbolicLink(dir.resolve("b.pgdump.partial"), elsewhere);

    try (OutputStream out = ArchiveFetcher.createPrivateFile(planted)) {
      out.write('x');
    }

    assertThat(Files.readString(elsewhere)).isEqualTo("keep");
    assertThat(Files.isSymbolicLink(planted)).isFalse();
  }

  @Test
  void spoolFilesOfProcessesThatAreGoneAreRemovedAndOthersKept() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    String ours = ArchiveFetcher.owner(ProcessHandle.current());
    long pid = ProcessHandle.current().pid();
    Path dead = Files.createFile(dir.resolve("app-1." + gone.pid() + "-5.pgdump"));
    Path deadPartial = Files.createFile(dir.resolve("app-1." + gone.pid() + "-5.pgdump.partial"));
    Path reused = Files.createFile(dir.resolve("app-2." + pid + "-1.pgdump"));
    Path live = Files.createFile(dir.resolve("app-3." + ours + ".pgdump.partial"));
    Path notOurs = Files.createFile(dir.resolve("notes.txt"));

    assertThat(ArchiveFetcher.removeStale(dir))
        .containsExactlyInAnyOrder(dead, deadPartial, reused);

    assertThat(dead).doesNotExist();
    assertThat(deadPartial).doesNotExist();
    assertThat(reused).as("the pid lives again, under another process").doesNotExist();
    assertThat(live).exists();
    assertThat(notOurs).exists();
  }
}
