package dev.lifeboat.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The doctor's green answer, and the version alone without starting anything. */
class GreenVersionIntegrationTests {

  @TempDir Path dir;

  @Test
  void aBackedUpAndDrilledSampleTargetIsGreenAndExits0() throws Exception {
    PgConnection db = PostgresServer.shared().createExampleDatabase("doctor_green", 1);
    Fixture fx =
        new Fixture(dir)
            .filesystem("local", dir.resolve("store"))
            .targetYaml(
                "app",
                "      tenant-isolation: { role: app_tenant, setting: app.account_id,"
                    + " probe-accounts: [1, 2] }")
            .yaml(
                "  drills:\n    dir: \"" + Path.of("jobs/example/drills").toAbsolutePath() + "\"");
    Path config = fx.write(db, "app");
    LifeboatCli cli = fx.cli();
    Result backup = cli.run("--config", config.toString(), "backup");
    assertThat(backup.exitCode()).as(backup.toString()).isZero();
    Result drill = cli.run("--config", config.toString(), "drill");
    assertThat(drill.exitCode()).as(drill.toString()).isZero();

    Result r = cli.run("--config", config.toString(), "version");

    System.out.println("green version:\n" + r.stdout());
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.stdout())
        .startsWith("lifeboat ")
        .contains(": OK (")
        .contains("✓ store local")
        .contains("✓ target app rls")
        .contains("✓ target app drill")
        .contains("last drill")
        .doesNotContain("✗")
        .doesNotContain("rls nullif");
    assertThat(r.all()).doesNotContain(db.password());
  }

  @Test
  void versionShortAndDashDashVersionPrintOnlyTheVersionWithoutAConfiguration() {
    LifeboatCli cli = new LifeboatCli(dir);
    for (String[] args : new String[][] {{"version", "--short"}, {"--version"}}) {
      long started = System.nanoTime();
      Result r = cli.run(args);
      Duration took = Duration.ofNanos(System.nanoTime() - started);
      System.out.println(String.join(" ", args) + " took " + took.toMillis() + " ms");
      assertThat(r.exitCode()).as(r.toString()).isZero();
      assertThat(r.stdout().strip()).matches("[0-9][0-9A-Za-z.+-]*|dev");
      assertThat(r.stderr()).isEmpty();
    }
  }
}
