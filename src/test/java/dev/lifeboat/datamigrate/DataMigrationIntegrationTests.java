package dev.lifeboat.datamigrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.base.Json;
import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.testing.Fixture;
import dev.lifeboat.testing.LifeboatCli;
import dev.lifeboat.testing.LifeboatCli.Result;
import dev.lifeboat.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Chunked data migrations through the real jar against real PostgreSQL: kill -9 mid-run then resume
 * with exact counts, pause/resume and cancel from a second process, a failing chunk fixed, invalid
 * specs refused, and a concurrent writer's longest lock wait.
 */
class DataMigrationIntegrationTests {

  static final String BUMP =
      "UPDATE public.events SET score = score + 1 WHERE id >= :from AND id < :to";

  @TempDir Path dir;

  private record Setup(PgConnection db, Path specs, Path config, LifeboatCli cli) {
    Result run(String... args) {
      return cli.run(Duration.ofMinutes(10), args(args));
    }

    LifeboatCli.Running start(String... args) {
      return cli.start(args(args));
    }

    String[] args(String... args) {
      List<String> all = new ArrayList<>(List.of("--config", config.toString(), "data-migrate"));
      all.addAll(List.of(args));
      return all.toArray(String[]::new);
    }

    void spec(String name, String yaml) throws Exception {
      Files.writeString(specs.resolve(name + ".yml"), yaml);
    }
  }

  private Setup setup(int rows) throws Exception {
    return setup(rows, null);
  }

  private Setup setup(int rows, String yaml) throws Exception {
    PgConnection db = PostgresServer.shared().createDatabase("datamigrate");
    try (Connection c = db.open();
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE public.events (id bigint PRIMARY KEY, score int NOT NULL DEFAULT 0,"
              + " note text, label text)");
      s.execute("INSERT INTO public.events (id) SELECT g FROM generate_series(1, " + rows + ") g");
    }
    Path specs = Files.createDirectories(dir.resolve("data-migrations"));
    Fixture fx =
        new Fixture(dir)
            .filesystem("local", dir.resolve("store"))
            .yaml("  data-migrations:\n    dir: \"" + specs + "\"");
    if (yaml != null) {
      fx.yaml(yaml);
    }
    Path config = fx.write(db, "app");
    return new Setup(db, specs, config, fx.cli());
  }

  private static String spec(int chunk, int parallelism, String pause, String sql) {
    return "table: public.events\nkey: id\nchunk-size: "
        + chunk
        + "\nparallelism: "
        + parallelism
        + "\npause-between-chunks: "
        + pause
        + "\nsql: |\n  "
        + sql
        + "\n";
  }

  private static long query(PgConnection db, String sql) throws SQLException {
    try (Connection c = db.open();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Chunks committed so far, or 0 before the progress table exists. */
  private static long committedChunks(PgConnection db, String name) throws SQLException {
    if (query(db, "SELECT count(*) FROM pg_tables WHERE schemaname = 'lifeboat'") < 2) {
      return 0;
    }
    return query(
        db,
        "SELECT coalesce(sum(chunks), 0) FROM lifeboat.data_migration_progress WHERE name = '"
            + name
            + "'");
  }

  private static void awaitChunks(PgConnection db, String name, long n, LifeboatCli.Running r)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
    while (committedChunks(db, name) < n) {
      assertThat(r.process().isAlive()).as("runner ended early: " + r.stderrSoFar()).isTrue();
      assertThat(System.nanoTime()).as("no progress: " + r.stderrSoFar()).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  /** Every row the progress table counts is incremented exactly once, every other row not. */
  private static void assertExactlyOnce(PgConnection db, String name, long rows) throws Exception {
    long done =
        query(
            db,
            "SELECT coalesce(sum(rows), 0) FROM lifeboat.data_migration_progress WHERE name = '"
                + name
                + "'");
    assertThat(query(db, "SELECT count(*) FROM public.events WHERE score = 1")).isEqualTo(done);
    assertThat(query(db, "SELECT count(*) FROM public.events WHERE score > 1")).isZero();
    assertThat(query(db, "SELECT count(*) FROM public.events")).isEqualTo(rows);
    // the committed ranges are exactly the rows done: nothing after next_key was touched
    assertThat(
            query(
                db,
                "SELECT count(*) FROM public.events e JOIN lifeboat.data_migration_progress p"
                    + " ON p.name = '"
                    + name
                    + "' AND e.id >= p.from_key AND e.id < p.to_key"
                    + " WHERE (e.id < p.next_key) <> (e.score = 1)"))
        .isZero();
  }

  private static JsonNode status(Setup s, String name) throws Exception {
    Result r = s.run("status", name, "--json");
    assertThat(r.exitCode()).as(r.toString()).isZero();
    return Json.mapper().readTree(r.stdout()).get(0);
  }

  private void killMidwayThenResume(int parallelism) throws Exception {
    int rows = 60_000;
    Setup s = setup(rows);
    s.spec("bump", spec(500, parallelism, "30ms", BUMP));
    LifeboatCli.Running first = s.start("run", "bump");
    awaitChunks(s.db(), "bump", 8, first);
    first.kill(); // SIGKILL: no shutdown hook, no rollback by us

    long partial = query(s.db(), "SELECT count(*) FROM public.events WHERE score = 1");
    assertThat(partial).isPositive().isLessThan(rows);
    assertExactlyOnce(s.db(), "bump", rows);
    JsonNode dead = status(s, "bump");
    assertThat(dead.get("state").asString()).as(dead.toString()).isEqualTo("stopped");
    assertThat(dead.get("progressRatio").asDouble()).isGreaterThan(0).isLessThan(1);

    s.spec("bump", spec(500, parallelism, "0ms", BUMP));
    Result again = s.run("run", "bump");
    assertThat(again.exitCode()).as(again.toString()).isZero();
    assertThat(again.stdout()).contains("COMPLETED");
    assertThat(query(s.db(), "SELECT count(*) FROM public.events WHERE score = 1")).isEqualTo(rows);
    assertThat(query(s.db(), "SELECT count(*) FROM public.events WHERE score <> 1")).isZero();
    JsonNode st = status(s, "bump");
    assertThat(st.get("state").asString()).isEqualTo("completed");
    assertThat(st.get("rows").asLong()).isEqualTo(rows);
    assertThat(st.get("partitions").size()).isEqualTo(parallelism);
  }

  @Test
  void aKilledRunResumesAfterItsLastCommittedChunkAndIncrementsEveryRowExactlyOnce()
      throws Exception {
    killMidwayThenResume(1);
  }

  @Test
  void aKilledPartitionedRunResumesEveryPartitionAndIncrementsEveryRowExactlyOnce()
      throws Exception {
    killMidwayThenResume(3);
  }

  /** Sends SIGTERM to a running data migration; returns what it printed and its exit code. */
  private static Result terminate(Setup s, LifeboatCli.Running runner, String when)
      throws Exception {
    runner.process().destroy(); // SIGTERM
    Result r = runner.await(Duration.ofSeconds(40));
    System.out.printf("SIGTERM %s: exit %d: %s%n", when, r.exitCode(), r.stdout().strip());
    assertThat(r.exitCode()).as("SIGTERM %s: %s", when, r).isEqualTo(3);
    assertThat(r.stdout()).as(when).contains("bump on target 'app': STOPPED");
    assertThat(r.stderr()).as(when).doesNotContain("Exception").doesNotContain("could not");
    assertThat(
            query(
                s.db(),
                "SELECT count(*) FROM lifeboat.data_migration WHERE name = 'bump'"
                    + " AND state = 'stopped'"))
        .as("state stopped after SIGTERM " + when)
        .isEqualTo(1);
    return r;
  }

  @Test
  void sigtermExits3WhetherItComesWhileStartingMidChunkOrBetweenChunksAndLosesNothing()
      throws Exception {
    int rows = 30_000;
    Setup s = setup(rows);
    // every chunk holds its transaction for 0.4 s, then 0.2 s pass before the next one
    s.spec("bump", spec(500, 2, "200ms", BUMP + "; SELECT pg_sleep(0.4)"));

    // while Lifeboat starts: its control database appears, the command has not begun
    Path control = dir.resolve("home").resolve("control");
    LifeboatCli.Running starting = s.start("run", "bump");
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (!Files.exists(control)) {
      assertThat(starting.process().isAlive()).as(starting.stderrSoFar()).isTrue();
      assertThat(System.nanoTime()).as("no control database").isLessThan(deadline);
      Thread.sleep(20);
    }
    terminate(s, starting, "while starting");
    assertExactlyOnce(s.db(), "bump", rows);

    // in the middle of a chunk: its SQL is running; the chunk commits, then the run stops
    LifeboatCli.Running chunk = s.start("run", "bump");
    deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (query(
            s.db(),
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
                + " AND query LIKE '%pg_sleep(0.4)%' AND pid <> pg_backend_pid()")
        == 0) {
      assertThat(chunk.process().isAlive()).as(chunk.stderrSoFar()).isTrue();
      assertThat(System.nanoTime()).as("no chunk running").isLessThan(deadline);
      Thread.sleep(20);
    }
    terminate(s, chunk, "mid-chunk");
    assertExactlyOnce(s.db(), "bump", rows);

    // between chunks, right after some committed
    long before = committedChunks(s.db(), "bump");
    LifeboatCli.Running between = s.start("run", "bump");
    awaitChunks(s.db(), "bump", before + 3, between);
    terminate(s, between, "between chunks");
    assertExactlyOnce(s.db(), "bump", rows);
    long done = query(s.db(), "SELECT count(*) FROM public.events WHERE score = 1");
    assertThat(done).isPositive().isLessThan(rows);

    // and the next run finishes it, every row exactly once
    s.spec("bump", spec(2000, 2, "0ms", BUMP));
    Result rest = s.run("run", "bump");
    assertThat(rest.exitCode()).as(rest.toString()).isZero();
    assertThat(rest.stdout()).contains("COMPLETED", "this run " + (rows - done) + " rows");
    assertThat(query(s.db(), "SELECT count(*) FROM public.events WHERE score = 1")).isEqualTo(rows);
    assertThat(query(s.db(), "SELECT count(*) FROM public.events WHERE score <> 1")).isZero();
  }

  @Test
  void pauseFromASecondProcessStopsAfterTheCurrentChunkAndResumeFinishesIt() throws Exception {
    int rows = 40_000;
    Setup s = setup(rows);
    // slow enough (40 chunks of 1 s per partition) that the second JVM starts before the end
    s.spec("bump", spec(500, 2, "1s", BUMP));
    LifeboatCli.Running runner = s.start("run", "bump");
    awaitChunks(s.db(), "bump", 4, runner);

    Result pause = s.run("pause", "bump");
    assertThat(pause.exitCode()).as(pause.toString()).isZero();
    Result paused = runner.await(Duration.ofMinutes(5));
    assertThat(paused.exitCode()).as(paused.toString()).isEqualTo(3);
    assertThat(paused.stdout()).contains("PAUSED");
    assertExactlyOnce(s.db(), "bump", rows);
    long done = query(s.db(), "SELECT count(*) FROM public.events WHERE score = 1");
    assertThat(done).isLessThan(rows);
    JsonNode st = status(s, "bump");
    assertThat(st.get("state").asString()).isEqualTo("paused");

    Result run = s.run("run", "bump");
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
    assertThat(run.stderr()).contains("is paused", "data-migrate resume bump");
    assertThat(query(s.db(), "SELECT count(*) FROM public.events WHERE score = 1")).isEqualTo(done);

    s.spec("bump", spec(500, 2, "0ms", BUMP));
    Result resume = s.run("resume", "bump");
    assertThat(resume.exitCode()).as(resume.toString()).isZero();
    assertThat(query(s.db(), "SELECT count(*) FROM public.events WHERE score = 1")).isEqualTo(rows);
    assertThat(query(s.db(), "SELECT count(*) FROM public.events WHERE score <> 1")).isZero();
  }

  @Test
  void cancelFromASecondProcessStopsItForGoodAndStatusKeepsItsHistory() throws Exception {
    int rows = 40_000;
    Setup s = setup(rows);
    s.spec("bump", spec(500, 1, "1s", BUMP));
    LifeboatCli.Running runner = s.start("run", "bump");
    awaitChunks(s.db(), "bump", 3, runner);

    Result cancel = s.run("cancel", "bump");
    assertThat(cancel.exitCode()).as(cancel.toString()).isZero();
    Result cancelled = runner.await(Duration.ofMinutes(5));
    assertThat(cancelled.exitCode()).as(cancelled.toString()).isEqualTo(3);
    assertThat(cancelled.stdout()).contains("CANCELLED");
    assertExactlyOnce(s.db(), "bump", rows);
    long done = query(s.db(), "SELECT count(*) FROM public.events WHERE score = 1");
    assertThat(done).isPositive().isLessThan(rows);

    JsonNode st = status(s, "bump");
    assertThat(st.get("state").asString()).isEqualTo("cancelled");
    assertThat(st.get("rows").asLong()).isEqualTo(done);

    Result again = s.run("run", "bump");
    assertThat(again.exitCode()).as(again.toString()).isEqualTo(2);
    assertThat(again.stderr()).contains("cancelled for good");
    assertThat(query(s.db(), "SELECT count(*) FROM public.events WHERE score = 1")).isEqualTo(done);
  }

  @Test
  void aFailingChunkStopsWithItsRangeAndPostgresMessageAndTheFixedSqlResumesThere()
      throws Exception {
    int rows = 20_000;
    List<String> pushes = new java.util.concurrent.CopyOnWriteArrayList<>();
    com.sun.net.httpserver.HttpServer gateway =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    gateway.createContext(
        "/",
        exchange -> {
          pushes.add(
              new String(
                  exchange.getRequestBody().readAllBytes(),
                  java.nio.charset.StandardCharsets.UTF_8));
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    gateway.start();
    Setup s =
        setup(
            rows,
            "management.prometheus.metrics.export.pushgateway:\n  enabled: true\n  address:"
                + " 127.0.0.1:"
                + gateway.getAddress().getPort()
                + "\n  format: text");
    s.spec(
        "bump",
        spec(
            1000,
            1,
            "0ms",
            "UPDATE public.events SET score = score + 1 WHERE id >= :from AND id < :to"
                + " AND 1 / (id - 5500) IS NOT NULL"));
    Result failed = s.run("run", "bump");
    assertThat(failed.exitCode()).as(failed.toString()).isEqualTo(1);
    assertThat(failed.stderr()).contains("chunk [5001, 6001)", "division by zero");
    assertThat(query(s.db(), "SELECT count(*) FROM public.events WHERE score = 1")).isEqualTo(5000);
    assertExactlyOnce(s.db(), "bump", rows);
    JsonNode st = status(s, "bump");
    assertThat(st.get("state").asString()).isEqualTo("failed");
    assertThat(st.get("lastError").asString()).contains("chunk [5001, 6001)", "division by zero");
    assertThat(String.join("\n", pushes))
        .containsPattern(
            "lifeboat_data_migration_progress_ratio\\{[^}]*name=\"bump\"[^}]*} 0\\.25");
    pushes.clear();

    s.spec("bump", spec(1000, 1, "0ms", BUMP));
    Result fixed = s.run("run", "bump");
    assertThat(fixed.exitCode()).as(fixed.toString()).isZero();
    assertThat(fixed.stdout()).contains("this run 15000 rows");
    gateway.stop(0);
    assertThat(String.join("\n", pushes))
        .containsPattern("lifeboat_data_migration_progress_ratio\\{[^}]*name=\"bump\"[^}]*} 1\\.0");
    assertThat(query(s.db(), "SELECT count(*) FROM public.events WHERE score = 1")).isEqualTo(rows);
    assertThat(query(s.db(), "SELECT count(*) FROM public.events WHERE score <> 1")).isZero();
  }

  @Test
  void invalidSpecsAreRefusedBeforeAnythingRunsNamingTheField() throws Exception {
    Setup s = setup(1000);
    s.spec(
        "no_to",
        "table: public.events\nkey: id\nsql: UPDATE public.events SET score = 1"
            + " WHERE id >= :from\n");
    s.spec(
        "text_key",
        "table: public.events\nkey: note\nsql: UPDATE public.events SET score = 1"
            + " WHERE note >= :from AND note < :to\n");
    s.spec(
        "no_table",
        "table: public.nothing_here\nkey: id\nsql: UPDATE public.nothing_here SET"
            + " x = 1 WHERE id >= :from AND id < :to\n");
    s.spec("bad_target", "target: elsewhere\n" + spec(10, 1, "0ms", BUMP));
    Map<String, String> expected =
        Map.of(
            "no_to", "no_to.yml: sql: must use both :from and :to",
            "text_key", "text_key.yml: key: column note is text",
            "no_table", "no_table.yml: table: table 'public.nothing_here' does not exist",
            "bad_target", "bad_target.yml: target: no target 'elsewhere' is configured");
    Map<String, LifeboatCli.Running> running = new java.util.LinkedHashMap<>();
    expected.keySet().forEach(n -> running.put(n, s.start("run", n)));
    for (var e : running.entrySet()) {
      Result r = e.getValue().await(Duration.ofMinutes(5));
      assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
      assertThat(r.stderr()).as(r.toString()).contains(expected.get(e.getKey()));
    }
    // nothing ran: not a row changed, not even the progress tables were created
    assertThat(query(s.db(), "SELECT count(*) FROM public.events WHERE score <> 0")).isZero();
    assertThat(query(s.db(), "SELECT count(*) FROM pg_namespace WHERE nspname = 'lifeboat'"))
        .isZero();
  }

  @Test
  void aConcurrentWriterNeverWaitsLongerThanAboutOneChunk() throws Exception {
    int rows = 40_000;
    Setup s = setup(rows);
    // each chunk holds its rows for at least 0.3 s, so lock waits are measurable
    s.spec(
        "slow",
        spec(
            2000,
            1,
            "0ms",
            "UPDATE public.events SET score = score + 1 WHERE id >= :from AND id < :to;"
                + " SELECT pg_sleep(0.3)"));
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong maxWaitNanos = new AtomicLong();
    AtomicLong writes = new AtomicLong();
    List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread writer =
        new Thread(
            () -> {
              try (Connection c = s.db().open();
                  PreparedStatement ps =
                      c.prepareStatement("UPDATE public.events SET label = 'w' WHERE id = ?")) {
                while (!stop.get()) {
                  ps.setLong(1, ThreadLocalRandom.current().nextLong(1, rows + 1));
                  long t = System.nanoTime();
                  ps.executeUpdate();
                  maxWaitNanos.accumulateAndGet(System.nanoTime() - t, Math::max);
                  writes.incrementAndGet();
                }
              } catch (Throwable e) {
                errors.add(e);
              }
            });
    writer.start();
    long started = System.nanoTime();
    Result r = s.run("run", "slow");
    double runSeconds = (System.nanoTime() - started) / 1e9;
    stop.set(true);
    writer.join(30_000);
    assertThat(errors).isEmpty();
    assertThat(r.exitCode()).as(r.toString()).isZero();
    assertThat(query(s.db(), "SELECT count(*) FROM public.events WHERE score = 1")).isEqualTo(rows);
    JsonNode st = status(s, "slow");
    long chunks = st.get("chunks").asLong();
    assertThat(chunks).isEqualTo(20);
    double maxWait = maxWaitNanos.get() / 1e9;
    // the writer did meet the chunks' locks, and never for longer than about one chunk
    // (0.3 s of sleep plus the update; 2 s leaves room for a loaded machine) while the whole
    // migration held the table for 20 chunks, at least 6 s
    System.out.printf(
        "concurrent writer: %d writes, longest wait %.3f s; %d chunks in a %.1f s run%n",
        writes.get(), maxWait, chunks, runSeconds);
    assertThat(writes.get()).isPositive();
    assertThat(maxWait).isGreaterThan(0.05).isLessThan(2.0);
  }
}
