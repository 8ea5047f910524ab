package dev.lifeboat.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PgPassFileTests {

  @TempDir Path tmp;

  @Test
  void escapesColonsAndBackslashes() {
    assertThat(PgPassFile.escape("a:b\\c")).isEqualTo("a\\:b\\\\c");
    assertThat(PgPassFile.escape("::1")).isEqualTo("\\:\\:1");
  }

  @Test
  void writesOneLineForAnyDatabaseOnTheServer() throws IOException {
    PgConnection conn = new PgConnection("::1", 5433, "app", "back:up", "p:w\\d");
    try (PgPassFile f = PgPassFile.create(conn, tmp)) {
      assertThat(Files.readString(f.path())).isEqualTo("\\:\\:1:5433:*:back\\:up:p\\:w\\\\d\n");
    }
  }

  @Test
  void isPrivateAndDeletedOnClose() throws IOException {
    PgPassFile f = PgPassFile.create(new PgConnection("h", 5432, "db", "u", "secret"), tmp);
    Path file = f.path();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
        .isEqualTo("rwx------");
    assertThat(f.environment()).containsEntry("PGPASSFILE", file.toString());
    assertThat(f.environment()).containsKey("PGPASSWORD").doesNotContainValue("secret");
    assertThat(f.toString()).doesNotContain("secret");
    f.close();
    assertThat(file).doesNotExist();
    assertThat(file.getParent()).doesNotExist();
    f.close();
  }

  @Test
  void refusesPasswordsWithLineBreaksWithoutShowingThem() {
    assertThatThrownBy(
            () -> PgPassFile.create(new PgConnection("h", 5432, "db", "u", "sec\nret"), tmp))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("sec");
  }

  @Test
  void aFileLeftByAKilledProcessIsRemovedAndALiveOnesIsKept() throws Exception {
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    Path stale = Files.createDirectories(tmp.resolve("pgpass-" + gone.pid() + "-123"));
    Files.writeString(stale.resolve("pgpass"), "h:5432:*:u:secret\n");
    PgPassFile live = PgPassFile.create(new PgConnection("h", 5432, "db", "u", "pw"), tmp);

    PgPassFile.removeStale(tmp);

    assertThat(stale).doesNotExist();
    assertThat(live.path()).exists();
    assertThat(live.path().getParent().getFileName().toString())
        .startsWith("pgpass-" + ProcessHandle.current().pid() + "-");
    live.close();
    assertThat(live.path().getParent()).doesNotExist();
  }
}
