package dev.lifeboat.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateFilesTests {

  @TempDir Path dir;

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void aNewDirectoryIsMadePrivateWithItsParents() throws Exception {
    Path home = dir.resolve("a/b/home");
    assertThat(PrivateFiles.directory(home, "lifeboat.home")).isEmpty();
    assertThat(mode(home)).isEqualTo("rwx------");
    assertThat(mode(dir.resolve("a"))).isEqualTo("rwx------");
  }

  @Test
  void looseModesAnOlderLifeboatLeftAreTightenedAndNamed() throws Exception {
    Path control = Files.createDirectories(dir.resolve("control"));
    Files.setPosixFilePermissions(control, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path lock = Files.writeString(control.resolve("lifeboat.lock.db"), "id=secret-key");
    Files.setPosixFilePermissions(lock, PosixFilePermissions.fromString("rw-r--r--"));
    Path fine = Files.writeString(control.resolve("password"), "x");
    Files.setPosixFilePermissions(fine, PosixFilePermissions.fromString("rw-------"));
    Path readOnly = Files.writeString(control.resolve("read-only"), "x");
    Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r--------"));

    assertThat(PrivateFiles.directory(control, "lifeboat.home"))
        .containsExactly(control + " was 0755");
    assertThat(PrivateFiles.filesIn(control, "lifeboat.home")).containsExactly(lock + " was 0644");

    assertThat(mode(control)).isEqualTo("rwx------");
    assertThat(mode(lock)).isEqualTo("rw-------");
    assertThat(mode(readOnly)).as("tighter than 0600 is left alone").isEqualTo("r--------");
    assertThat(PrivateFiles.filesIn(control, "lifeboat.home")).isEmpty();
  }

  @Test
  void aDirectoryThatCannotBeTightenedIsRefusedNamingTheModeAndTheFix() throws Exception {
    Path home = Files.createDirectories(dir.resolve("home"));
    Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
    // an immutable directory refuses chmod even to root (as a directory another user owns does)
    Process chattr = new ProcessBuilder("chattr", "+i", home.toString()).inheritIO().start();
    assumeTrue(chattr.waitFor(10, TimeUnit.SECONDS) && chattr.exitValue() == 0, "chattr +i");
    try {
      assertThatThrownBy(() -> PrivateFiles.directory(home, "lifeboat.home"))
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              "lifeboat.home: "
                  + home
                  + " is mode 0755, open to other users, and cannot be made 0700 (operation not"
                  + " permitted); run chmod 700 "
                  + home
                  + " as its owner");
    } finally {
      new ProcessBuilder("chattr", "-i", home.toString()).inheritIO().start().waitFor();
    }
    assertThat(mode(home)).isEqualTo("rwxr-xr-x");
  }

  @Test
  void aWrittenFileIsPrivateFromTheStartAndReplacedWhole() throws Exception {
    Path file = dir.resolve("password");
    PrivateFiles.write(file, "one", "lifeboat.home");
    PrivateFiles.write(file, "two", "lifeboat.home");
    assertThat(Files.readString(file)).isEqualTo("two");
    assertThat(mode(file)).isEqualTo("rw-------");
    assertThat(dir.resolve("password.tmp")).doesNotExist();
    assertThat(PrivateFiles.octal(PosixFilePermissions.fromString("rwxr-x--x"))).isEqualTo("0751");
  }
}
