package dev.lifeboat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code .ci/check-tools}, which {@code ./mvnw verify} runs before compiling: against a fake tree
 * (LIFEBOAT_TOOLS_ROOT) and a fake PATH, it names each missing program with its Debian package and
 * prints the one apt-get line.
 */
class TestToolsCheckTests {

  static final Path SCRIPT = Path.of(".ci/check-tools").toAbsolutePath();

  @TempDir Path root;
  Path bin;

  record Run(int exit, String out, String err) {}

  @BeforeEach
  void everythingInstalled() throws IOException {
    bin = Files.createDirectories(root.resolve("path-bin"));
    for (String pg :
        List.of(
            "initdb",
            "pg_ctl",
            "postgres",
            "pg_dump",
            "pg_dumpall",
            "pg_restore",
            "psql",
            "pg_basebackup",
            "pg_receivewal")) {
      program(root.resolve("usr/lib/postgresql/15/bin").resolve(pg));
    }
    for (String tool : List.of("promtool", "prometheus", "age", "age-keygen", "time")) {
      program(root.resolve("usr/bin").resolve(tool));
    }
    for (String tool : List.of("zstd", "jq", "python3")) {
      program(bin.resolve(tool));
    }
    // what the script itself runs
    Files.createSymbolicLink(bin.resolve("readlink"), Path.of("/usr/bin/readlink"));
  }

  private static void program(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, "#!/bin/sh\n");
    file.toFile().setExecutable(true);
  }

  private Run check(String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>(List.of("/bin/bash", SCRIPT.toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("LIFEBOAT_TOOLS_ROOT", root.toString());
    pb.environment().put("PATH", bin.toString());
    Process p = pb.start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return new Run(
        p.exitValue(),
        new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
        new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void aMachineWithEverythingPassesSilently() throws Exception {
    Run r = check();
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.out() + r.err()).isEmpty();
    assertThat(check("--packages").out()).isEmpty();
  }

  @Test
  void missingProgramsAreNamedWithTheirPackagesAndOneInstallLine() throws Exception {
    Files.delete(root.resolve("usr/bin/promtool"));
    Files.delete(bin.resolve("jq"));
    Files.delete(root.resolve("usr/lib/postgresql/15/bin/pg_dump"));
    Run r = check();
    assertThat(r.exit()).as(r.toString()).isEqualTo(1);
    assertThat(r.err())
        .contains("  pg_dump (postgresql-client)\n")
        .contains("  promtool (prometheus)\n")
        .contains("  jq (jq)\n")
        .contains("apt-get install -y postgresql-client prometheus jq\n")
        .doesNotContain("age-keygen");
    assertThat(check("--packages").out()).isEqualTo("postgresql-client prometheus jq\n");
  }

  @Test
  void postgresqlCountsOnlyAsARealBinaryNotDebiansWrapper() throws Exception {
    deleteTree(root.resolve("usr/lib/postgresql"));
    // what postgresql-client-common alone leaves on PATH: links to a wrapper with nothing behind
    Path wrapper = root.resolve("usr/share/postgresql-common/pg_wrapper");
    program(wrapper);
    Files.createSymbolicLink(bin.resolve("pg_dump"), wrapper);
    program(bin.resolve("initdb"));
    program(bin.resolve("pg_ctl"));
    program(bin.resolve("postgres"));
    Run r = check();
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .contains("pg_dump pg_dumpall pg_restore psql pg_basebackup pg_receivewal")
        .contains("apt-get install -y postgresql-client\n")
        .doesNotContain("initdb");
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
