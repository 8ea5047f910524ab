package dev.lifeboat.pg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PgBinariesTests {

  private static PgTool tool(String version, String dir) {
    return new PgTool("pg_dump", Path.of(dir, "pg_dump"), version, PgBinaries.majorOf(version));
  }

  @Test
  void parsesTheVersionLineOfEachRelease() {
    assertThat(PgBinaries.parseVersion("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n"))
        .contains("15.18");
    assertThat(PgBinaries.parseVersion("pg_dump (PostgreSQL) 9.6.24")).contains("9.6.24");
    assertThat(PgBinaries.parseVersion("psql (PostgreSQL) 17beta2")).contains("17beta2");
    assertThat(PgBinaries.parseVersion("initdb (PostgreSQL) 18devel")).contains("18devel");
    assertThat(PgBinaries.parseVersion("pg_dump (PostgreSQL) 16.4 (Homebrew)")).contains("16.4");
    assertThat(PgBinaries.parseVersion("mysqldump  Ver 10.19")).isEmpty();
    assertThat(PgBinaries.majorOf("15.18")).isEqualTo(15);
    assertThat(PgBinaries.majorOf("9.6.24")).isEqualTo(9);
    assertThat(PgBinaries.majorOf("17beta2")).isEqualTo(17);
  }

  @Test
  void takesTheServerMajorFromServerVersionNum() {
    assertThat(PgBinaries.serverMajor(150018)).isEqualTo(15);
    assertThat(PgBinaries.serverMajor(170000)).isEqualTo(17);
    assertThat(PgBinaries.serverMajor(90624)).isEqualTo(9);
  }

  @Test
  void ordersVersionsNumericallyWithPreReleasesFirst() {
    assertThat(PgBinaries.VERSION_ORDER.compare("15.10", "15.9")).isPositive();
    assertThat(PgBinaries.VERSION_ORDER.compare("16beta1", "16.0")).isNegative();
    assertThat(PgBinaries.VERSION_ORDER.compare("9.6.24", "10.1")).isNegative();
  }

  @Test
  void prefersTheServersOwnMajor() {
    List<PgTool> found =
        List.of(tool("17.2", "/a"), tool("15.17", "/b"), tool("15.18", "/c"), tool("16.6", "/d"));
    assertThat(PgBinaries.choose("pg_dump", 15, found).path()).isEqualTo(Path.of("/c/pg_dump"));
  }

  @Test
  void takesTheNewestWhenTheServersMajorIsMissing() {
    List<PgTool> found = List.of(tool("16.6", "/d"), tool("17.2", "/a"), tool("13.9", "/b"));
    assertThat(PgBinaries.choose("pg_dump", 14, found).version()).isEqualTo("17.2");
  }

  @Test
  void keepsTheFirstFoundOfEqualVersionsSoConfiguredDirectoriesWin() {
    List<PgTool> found = List.of(tool("15.18", "/opt/pg"), tool("15.18", "/usr/bin"));
    assertThat(PgBinaries.choose("pg_dump", 15, found).path())
        .isEqualTo(Path.of("/opt/pg/pg_dump"));
  }

  @Test
  void refusesAnOlderPgDumpThanTheServerAndSaysWhatToInstall() {
    List<PgTool> found = List.of(tool("15.18", "/usr/lib/postgresql/15/bin"));
    assertThatThrownBy(() -> PgBinaries.choose("pg_dump", 16, found))
        .isInstanceOf(PgToolNotFoundException.class)
        .hasMessage(
            "no pg_dump of major version >= 16 found (found: 15.18 at"
                + " /usr/lib/postgresql/15/bin/pg_dump); install postgresql-client-16 or set"
                + " lifeboat.pg.bin-dirs");
    assertThatThrownBy(() -> PgBinaries.choose("initdb", 0, List.of()))
        .hasMessageContaining("no initdb found (found: none); install postgresql or set");
  }

  @Test
  void searchesConfiguredDirsThenPathThenEveryInstalledMajorNewestFirst(@TempDir Path tmp)
      throws IOException {
    Path root = tmp.resolve("usr-lib-postgresql");
    for (String major : List.of("13", "16", "9.6", "notaversion")) {
      Files.createDirectories(root.resolve(major).resolve("bin"));
    }
    List<Path> dirs =
        PgBinaries.defaultSearchDirs(List.of(Path.of("/opt/pg")), "/usr/bin:/bin", root);
    assertThat(dirs)
        .containsExactly(
            Path.of("/opt/pg"),
            Path.of("/usr/bin"),
            Path.of("/bin"),
            root.resolve("16/bin"),
            root.resolve("13/bin"),
            root.resolve("9.6/bin"));
  }

  @Test
  void findsEachProgramOnceWithItsVersionAndSkipsDispatchWrappers(@TempDir Path tmp)
      throws IOException {
    Path a = Files.createDirectories(tmp.resolve("a"));
    Path b = Files.createDirectories(tmp.resolve("b"));
    Path c = Files.createDirectories(tmp.resolve("c"));
    Path real = executable(a.resolve("pg_dump"));
    Files.createSymbolicLink(b.resolve("pg_dump"), real); // same program again via PATH
    Files.createSymbolicLink(c.resolve("pg_dump"), executable(c.resolve("pg_wrapper")));
    Map<Path, String> versions = Map.of(a.resolve("pg_dump"), "pg_dump (PostgreSQL) 15.18");
    PgBinaries bins = new PgBinaries(List.of(a, b, c), p -> Optional.ofNullable(versions.get(p)));
    assertThat(bins.candidates("pg_dump"))
        .containsExactly(new PgTool("pg_dump", a.resolve("pg_dump"), "15.18", 15));
    assertThat(bins.candidates("pg_restore")).isEmpty();
  }

  private static Path executable(Path p) throws IOException {
    Files.writeString(p, "#!/bin/sh\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }
}
