package dev.lifeboat.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lifeboat demo} from a directory that is not the project: the newcomer's first command. */
class DemoIntegrationTests {

  @TempDir Path dir;

  @Test
  void theDemoTellsTheWholeStoryAndStopsItsCluster() throws Exception {
    Path home = dir.resolve("home");

    // the contract's own path: java -jar target/lifeboat.jar
    Result r =
        new LifeboatCli(dir).fatJar().run(Duration.ofMinutes(3), "demo", "--lifeboat.home=" + home);

    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(r.stdout())
        .contains(
            "$ lifeboat backup --label demo",
            "$ lifeboat backups",
            "$ lifeboat verify latest",
            "$ lifeboat drill",
            "PASSED",
            "Everything worked.");
    assertThat(r.stdout()).containsPattern("local-a: ok - SHA-256 and size match");
    // a few seconds of WAL archiving: the demo switched segments, so both stores hold some
    assertThat(r.stdout())
        .contains("$ lifeboat wal receive --for 6s")
        .containsPattern(
            "WAL arriving: local-a [1-9]\\d* segments \\+ partial, local-b [1-9]\\d*"
                + " segments \\+ partial");
    String clusterDir =
        r.stdout()
            .lines()
            .filter(l -> l.contains("throwaway PostgreSQL cluster in "))
            .map(l -> l.substring(l.indexOf(" in ") + 4).trim())
            .findFirst()
            .orElseThrow();
    assertThat(Path.of(clusterDir)).as("the throwaway cluster is gone").doesNotExist();
    assertThat(
            ProcessHandle.allProcesses()
                .map(p -> p.info().commandLine().orElse(""))
                .filter(c -> c.contains(clusterDir)))
        .as("no postgres of the demo still runs")
        .isEmpty();
    try (Stream<Path> dumps = Files.walk(home.resolve("demo/stores"))) {
      assertThat(dumps.filter(p -> p.getFileName().toString().equals("manifest.json")).count())
          .isEqualTo(2);
    }

    Result afterwards =
        new LifeboatCli(dir)
            .run("--config", home.resolve("demo/lifeboat.yml").toString(), "backups");
    assertThat(afterwards.exitCode()).as(afterwards.toString()).isZero();
    assertThat(afterwards.stdout()).contains("demo", "local-a,local-b");
  }
}
