package dev.lifeboat.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lifeboat.pg.PgBinaries;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench/run --smoke} as a real process, so the benchmark harness cannot rot: every benchmark
 * runs at a tiny scale for one round and writes its section with figures; docs/benchmarks.md stays
 * as it is.
 */
class BenchSmokeIntegrationTests {

  /** The sections every smoke run writes, beside the start-up one when its script exists. */
  private static final List<String> SECTIONS =
      List.of(
          "backup-bench",
          "backup-bench-wide",
          "restore-bench",
          "prune-bench",
          "data-migrate-bench",
          "backups-bench",
          "rss-bench",
          "wal-bench");

  private static final Path DOC = Path.of("docs/benchmarks.md");

  @TempDir Path dir;

  @Test
  void theSmokeRunWritesEverySectionWithPlausibleFiguresAndLeavesTheDocumentAlone()
      throws Exception {
    assumeTrue(
        "0".equals(run("id", "-u").trim()),
        "bench/run needs root: its PostgreSQL runs as the postgres OS user through runuser");
    for (String tool : List.of("jq", "python3", "zstd", "runuser")) {
      assumeTrue(onPath(tool), "bench/run needs " + tool + " on the PATH (see .ci/run)");
    }
    assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/time")),
        "bench/run needs /usr/bin/time (apt-get install time)");
    byte[] docBefore = Files.readAllBytes(DOC);
    Path out = dir.resolve("out");
    Path log = dir.resolve("run.log");

    ProcessBuilder pb =
        new ProcessBuilder("bench/run", "--smoke", "--out", out.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    // the PostgreSQL binaries the tests use, and s3proxy from this classpath: no Maven inside Maven
    Path pgDump = new PgBinaries(List.of()).require("pg_dump", 10).path();
    pb.environment().put("PGBIN", pgDump.getParent().toString());
    pb.environment().put("BENCH_S3CP", System.getProperty("java.class.path"));
    long start = System.nanoTime();
    Process process = pb.start();
    // about 4 1/2 minutes on a quiet machine, 15 on one whose cores other work keeps busy: the
    // limit only catches a hung script
    if (!process.waitFor(30, TimeUnit.MINUTES)) {
      // SIGTERM: the scripts' traps stop the servers they started
      process.descendants().forEach(ProcessHandle::destroy);
      process.destroy();
      process.waitFor(30, TimeUnit.SECONDS);
      fail("bench/run --smoke did not finish in 30 minutes:\n" + tail(log));
    }
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    System.out.println("bench/run --smoke took " + took.toSeconds() + " s");
    if (Files.exists(out.resolve("runs.tsv"))) {
      // each benchmark's seconds: where the smoke run's time goes
      System.out.println(Files.readString(out.resolve("runs.tsv")));
    }

    assertThat(process.exitValue()).as(tail(log)).isZero();
    assertThat(Files.readAllBytes(DOC))
        .as("docs/benchmarks.md after a smoke run")
        .isEqualTo(docBefore);

    Map<String, String[]> runs = new LinkedHashMap<>();
    for (String line : Files.readAllLines(out.resolve("runs.tsv"))) {
      String[] f = line.split("\t", -1);
      runs.put(f[0], f);
    }
    for (String bench : List.of("backup", "backup-wide", "restore", "prune", "data-migrate")) {
      assertThat(runs.get(bench)).as(bench + " in runs.tsv").isNotNull();
      assertThat(runs.get(bench)[1]).as(bench).isEqualTo("ok");
    }
    assertThat(runs.get("backups")[1]).isEqualTo("ok");
    assertThat(runs.get("rss")[1]).isEqualTo("ok");
    assertThat(runs.get("wal")[1]).isEqualTo("ok");
    boolean startupScript = Files.exists(Path.of("bench/startup-bench.sh"));
    assertThat(runs.get("startup")[1]).isEqualTo(startupScript ? "ok" : "skipped");
    if (startupScript) {
      assertThat(runs.get("startup")[3]).as("sections the start-up benchmark wrote").isNotBlank();
    }

    String doc = Files.readString(out.resolve("benchmarks.md"));
    for (String section : SECTIONS) {
      assertThat(doc).contains("<!-- " + section + ":start -->", "<!-- " + section + ":end -->");
    }
    Map<String, List<Double>> figures = new LinkedHashMap<>();
    for (String line : Files.readAllLines(out.resolve("summary.tsv"))) {
      String[] f = line.split("\t", -1);
      assertThat(f).as(line).hasSize(3);
      double value;
      try {
        value = Double.parseDouble(f[2]);
      } catch (NumberFormatException e) {
        throw new AssertionError("not a number in summary.tsv: " + line, e);
      }
      assertThat(value).as(line).isPositive().isFinite();
      figures.computeIfAbsent(f[0], k -> new ArrayList<>()).add(value);
    }
    assertThat(figures.keySet()).containsAll(SECTIONS);
    assertThat(figures.get("backup-bench")).hasSizeGreaterThanOrEqualTo(3);
    assertThat(figures.get("backup-bench-wide")).hasSizeGreaterThanOrEqualTo(3);
    // the targets table, made from the key figures: every row has a figure
    assertThat(doc).contains("<!-- targets:start -->", "<!-- targets:end -->");
    String targets = doc.substring(doc.indexOf("<!-- targets:start -->"));
    assertThat(targets.substring(0, targets.indexOf("<!-- targets:end -->")))
        .contains("| ≤ 0.45 |", "| ≤ 1.15 |")
        .doesNotContain("not measured");
    // the sections carry the same figures the summary does
    assertThat(doc)
        .contains("**lifeboat ÷ floor `pg_dump -Fc -Z0 > /dev/null` (wall time)")
        .contains("the `wide` shape (`bench/shapes/wide.sql`) at scale 0.05")
        .contains("## Listing: `backups` on an S3 store holding 100 backups")
        .contains("`pgbench -i -s 1`", "| **archiving ÷ mean of the baselines (");
  }

  private static boolean onPath(String tool) throws Exception {
    return !run("bash", "-c", "command -v " + tool + " || true").isBlank();
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    return output;
  }

  private static String tail(Path log) throws IOException {
    List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
  }
}
